"""Colour bands of coverage (percent of desa with an active KIM), shared by the map's polygons,
its legend and the kecamatan tiles shown when no boundary is imported."""

from django.utils.translation import gettext_lazy as _

# (lowest percent included, colour, legend label); a value falls in the last band it reaches.
BANDS = [
    (0.0, "#d73027", _("0% (belum ada KIM aktif)")),
    (0.1, "#fc8d59", _("di bawah 25%")),
    (25.0, "#fee08b", _("25% sampai di bawah 50%")),
    (50.0, "#91cf60", _("50% sampai di bawah 75%")),
    (75.0, "#1a9850", _("75% sampai 100%")),
]


def band_color(percent: float) -> str:
    color = BANDS[0][1]
    for low, band, _label in BANDS:
        if percent >= low:
            color = band
    return color


def legend() -> list[dict]:
    """The bands as plain data for the map script (``json_script``)."""
    return [{"min": low, "color": color, "label": str(label)} for low, color, label in BANDS]
