"""Arithmetic of the published figures that every layer shows: the registry's lists
(``villages``) as well as the dashboard, the map and the reports (``reports``)."""


def coverage_percent(covered: int, total: int) -> float:
    """Share of desa covered, in percent with one decimal (0.0 when there is no desa)."""
    return round(100 * covered / total, 1) if total else 0.0
