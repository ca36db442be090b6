"""Colour bands of coverage (percent of desa with an active KIM), shared by the map's polygons,
its legend, the kecamatan tiles shown when no boundary is imported and the PDF's bars. The
pages colour tiles and legend with a CSS class per band (``band-0`` ...), written from these
bands into the page (``css()``): no style attribute, which the Content-Security-Policy
refuses."""

from django.utils.translation import gettext_lazy as _

# (lowest percent included, colour, legend label); a value falls in the last band it reaches.
BANDS = [
    (0.0, "#d73027", _("0% (belum ada KIM aktif)")),
    (0.1, "#fc8d59", _("di bawah 25%")),
    (25.0, "#fee08b", _("25% sampai di bawah 50%")),
    (50.0, "#91cf60", _("50% sampai di bawah 75%")),
    (75.0, "#1a9850", _("75% sampai 100%")),
]


def band_index(percent: float) -> int:
    """The band ``percent`` falls in (its position in ``BANDS``)."""
    index = 0
    for position, (low, _color, _label) in enumerate(BANDS):
        if percent >= low:
            index = position
    return index


def band_color(percent: float) -> str:
    return BANDS[band_index(percent)][1]


def band_class(percent: float) -> str:
    """The CSS class of ``percent``'s band (see ``css``)."""
    return f"band-{band_index(percent)}"


def css() -> str:
    """One rule per band: ``.band-0 { background-color: #d73027; }`` ..."""
    return "\n".join(
        f".band-{index} {{ background-color: {color}; }}"
        for index, (_low, color, _label) in enumerate(BANDS)
    )


def legend() -> list[dict]:
    """The bands as plain data for the map script (``json_script``) and the legend."""
    return [
        {"min": low, "color": color, "label": str(label), "css_class": f"band-{index}"}
        for index, (low, color, label) in enumerate(BANDS)
    ]
