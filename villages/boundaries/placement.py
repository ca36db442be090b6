"""Where a matched shape lies: one lying far outside its kabupaten (or a desa's kecamatan), or
outside Indonesia when neither is stored, is refused rather than stored in the wrong place."""

import shapely
from django.utils.translation import gettext as _

from ..geometry import KM_PER_DEGREE
from .reading import Feature
from .registry import _Registry
from .shapes import INDONESIA

# A matched shape with a part further than this outside its kabupaten or kecamatan is refused:
# boundaries of different publishers differ by metres to hundreds of metres, not kilometres.
FAR_KM = 5.0


def far_outside(registry: _Registry, level: str, code: str, feature: Feature) -> str | None:
    """Why ``feature`` cannot be ``code``'s shape: a part of it lies further than
    ``FAR_KM`` outside the desa's stored kecamatan or the kabupaten's stored outline, or,
    with neither stored, outside Indonesia."""
    references = []
    if level == "desa":
        kecamatan = registry.parent(code)
        outline = registry.kecamatan_shapes().get(kecamatan)
        if outline is not None:
            name = registry.kecamatan[kecamatan][0]
            references.append((outline, _("Kecamatan %(name)s") % {"name": name}))
    outline = registry.outline(code[:5])
    if outline is not None:
        references.append((outline, registry.kabupaten_name(code[:5])))
    parts = shapely.get_parts(feature.geometry)
    for outline, area in references:
        km = max(shapely.distance(parts, outline)) * KM_PER_DEGREE
        if km > FAR_KM:
            return _(
                "bentuknya untuk %(code)s %(name)s terletak sampai %(km).0f km di luar "
                "%(area)s; tidak diterapkan. Periksa kode, nama dan sistem koordinat berkas."
            ) % {"code": code, "name": registry.name(code), "km": km, "area": area}
    if not references and not shapely.within(parts, INDONESIA).all():
        return _(
            "bentuknya untuk %(code)s %(name)s terletak di luar wilayah Indonesia; tidak "
            "diterapkan. Periksa kode, nama dan sistem koordinat berkas."
        ) % {"code": code, "name": registry.name(code)}
    return None
