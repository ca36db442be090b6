"""The monthly report's charts as inline SVG, drawn on the server: the PDF has no JavaScript and
may not fetch anything. Same figures and colours as the dashboard's Chart.js charts (formed in
blue, active in green, targets in red; bars in the map's coverage bands).

Each function returns a complete ``<svg>`` element as a ``SafeString``: every piece of text in it
goes through ``escape`` and every number is written with a fixed number of decimals, so the same
input gives the same bytes. Percent labels follow the active language (``55,1%`` in Bahasa
Indonesia).
"""

import math
from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .bands import band_color
from .coverage import MonthlySeries

FORMED_COLOR = "#0d6efd"
ACTIVE_COLOR = "#198754"
TARGET_COLOR = "#dc3545"
GRID_COLOR = "#dee2e6"
AXIS_COLOR = "#6c757d"
TEXT_COLOR = "#212529"
FONT = "DejaVu Sans, Arial, sans-serif"


def _n(value: float) -> str:
    """A coordinate with one decimal, without a trailing ``.0``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x, y, content, *, size=10, anchor="start", color=TEXT_COLOR, extra="") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{color}"{extra}>{escape(content)}</text>'
    )


def _svg(width: float, height: float, label: str, body: list[str]) -> SafeString:
    # Safe: every text above went through escape() and every number through _n().
    return mark_safe(  # noqa: S308
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-label="{escape(label)}" '
        f'font-family="{FONT}"><title>{escape(label)}</title>' + "".join(body) + "</svg>"
    )


def nice_maximum(value: float, ticks: int = 5) -> tuple[float, float]:
    """An axis top at or above ``value`` and its step, the step being 1, 2 or 5 times a power
    of ten, so that about ``ticks`` grid lines are drawn."""
    if value <= 0:
        return 1.0, 1.0
    rough = value / ticks
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    return step * math.ceil(value / step), step


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive known points (a month without a figure breaks the line)."""
    runs, run = [], []
    for point in points:
        if point is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(point)
    if run:
        runs.append(run)
    return runs


def progress_chart(
    series: MonthlySeries, targets: Sequence, *, width: int = 680, height: int = 280
) -> SafeString:
    """Line chart of KIM formed (cumulative) and KIM active at each month end, with each yearly
    target as a red diamond on December of its year (labelled with its count); years on the x
    axis. ``targets`` are ``Target`` rows (``year``, ``kim_count``); those outside the months of
    ``series`` are left out, so pass a series that runs to the last target year."""
    label = _("KIM dibentuk (kumulatif) dan KIM aktif per bulan")
    left, right, top, bottom = 44, 16, 34, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    months = list(series.months)
    if not months:
        return _svg(
            width,
            height,
            label,
            [
                _text(
                    width / 2,
                    height / 2,
                    _("Belum ada data KIM."),
                    anchor="middle",
                    color=AXIS_COLOR,
                ),
            ],
        )
    index = {month: i for i, month in enumerate(months)}
    markers = [
        (index[f"{t.year:04d}-12"], t.year, t.kim_count)
        for t in sorted(targets, key=lambda t: t.year)
        if f"{t.year:04d}-12" in index
    ]
    values = [v for v in (*series.formed, *series.active) if v is not None]
    top_value, step = nice_maximum(max([*values, *(m[2] for m in markers), 5]))

    def x(i: int) -> float:
        return left + (plot_w * i / (len(months) - 1) if len(months) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    body = []
    # Horizontal grid with the counts on the left.
    tick = 0.0
    while tick <= top_value + step / 2:
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(y(tick))}" x2="{_n(left + plot_w)}" '
            f'y2="{_n(y(tick))}" stroke="{GRID_COLOR}" stroke-width="1"/>'
        )
        body.append(
            _text(
                left - 6,
                y(tick) + 3.5,
                number_format(int(tick), force_grouping=True),
                size=9,
                anchor="end",
                color=AXIS_COLOR,
            )
        )
        tick += step
    # Years: a tick at each January, the label centred on the year's months.
    years = sorted({month[:4] for month in months})
    every = max(1, math.ceil(len(years) / 12))
    for n, year in enumerate(years):
        first = next(i for i, month in enumerate(months) if month.startswith(year))
        last = max(i for i, month in enumerate(months) if month.startswith(year))
        body.append(
            f'<line x1="{_n(x(first))}" y1="{_n(top + plot_h)}" x2="{_n(x(first))}" '
            f'y2="{_n(top + plot_h + 4)}" stroke="{AXIS_COLOR}" stroke-width="1"/>'
        )
        if n % every == 0:
            body.append(
                _text(
                    (x(first) + x(last)) / 2,
                    top + plot_h + 15,
                    year,
                    size=9,
                    anchor="middle",
                    color=AXIS_COLOR,
                )
            )
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(top + plot_h)}" x2="{_n(left + plot_w)}" '
        f'y2="{_n(top + plot_h)}" stroke="{AXIS_COLOR}" stroke-width="1"/>'
    )
    # The formed line is drawn wider, so that it still shows where every KIM is active.
    for values_, color, css, stroke in (
        (series.formed, FORMED_COLOR, "formed", "3.5"),
        (series.active, ACTIVE_COLOR, "active", "1.8"),
    ):
        points = [None if v is None else (x(i), y(v)) for i, v in enumerate(values_)]
        for run in _segments(points):
            body.append(
                f'<polyline class="line-{css}" fill="none" stroke="{color}" '
                f'stroke-width="{stroke}" stroke-linejoin="round" points="'
                + " ".join(f"{_n(px)},{_n(py)}" for px, py in run)
                + '"/>'
            )
    for i, year, count in markers:
        cx, cy = x(i), y(count)
        body.append(
            f'<path class="target" d="M{_n(cx)} {_n(cy - 6)} L{_n(cx + 6)} {_n(cy)} '
            f'L{_n(cx)} {_n(cy + 6)} L{_n(cx - 6)} {_n(cy)} Z" fill="{TARGET_COLOR}"/>'
        )
        body.append(
            _text(
                cx - 9,
                cy - 6,
                _("Target %(year)d: %(count)s")
                % {"year": year, "count": number_format(count, force_grouping=True)},
                size=9,
                anchor="end",
                color=TARGET_COLOR,
            )
        )
    # Legend along the top.
    legend_x = left
    for text, color, diamond in (
        (_("KIM dibentuk (kumulatif)"), FORMED_COLOR, False),
        (_("KIM aktif"), ACTIVE_COLOR, False),
        (_("Target"), TARGET_COLOR, True),
    ):
        if diamond:
            body.append(
                f'<path d="M{_n(legend_x + 9)} 8 L{_n(legend_x + 14)} 13 L{_n(legend_x + 9)} 18 '
                f'L{_n(legend_x + 4)} 13 Z" fill="{color}"/>'
            )
        else:
            body.append(f'<rect x="{_n(legend_x)}" y="11" width="18" height="4" fill="{color}"/>')
        body.append(_text(legend_x + 23, 17, text, size=10))
        legend_x += 23 + 6.2 * len(text) + 18
    return _svg(width, height, label, body)


def kecamatan_chart(lines: Sequence, *, width: int = 680, bar_height: int = 13) -> SafeString:
    """Horizontal bars of the share of desa with an active KIM in each kecamatan, highest first
    (ties by name), each bar with its kecamatan's name on the left and its value on the right;
    bars coloured by the map's coverage bands. ``lines`` need ``name`` and ``coverage_percent``
    (``monthly.KecamatanLine``)."""
    label = _("Cakupan desa per kecamatan (%)")
    ranked = sorted(lines, key=lambda line: (-line.coverage_percent, line.name))
    name_w, value_w, top, gap = 150, 44, 8, 3
    plot_w = width - name_w - value_w
    row_h = bar_height + gap
    axis_y = top + row_h * len(ranked)
    height = axis_y + 20
    body = []
    for percent in (0, 25, 50, 75, 100):
        gx = name_w + plot_w * percent / 100
        body.append(
            f'<line x1="{_n(gx)}" y1="{_n(top - 2)}" x2="{_n(gx)}" y2="{_n(axis_y)}" '
            f'stroke="{GRID_COLOR}" stroke-width="1"/>'
        )
        body.append(
            _text(gx, axis_y + 13, f"{percent}%", size=9, anchor="middle", color=AXIS_COLOR)
        )
    for n, line in enumerate(ranked):
        by = top + n * row_h
        value = max(0.0, min(100.0, float(line.coverage_percent)))
        bar_w = plot_w * value / 100
        body.append(
            '<g class="bar">'
            + _text(name_w - 6, by + bar_height - 3, line.name, size=9, anchor="end")
            + f'<rect x="{_n(name_w)}" y="{_n(by)}" width="{_n(bar_w)}" '
            f'height="{_n(bar_height)}" fill="{band_color(value)}"/>'
            + _text(name_w + bar_w + 4, by + bar_height - 3, number_format(value, 1) + "%", size=9)
            + "</g>"
        )
    return _svg(width, height, label, body)
