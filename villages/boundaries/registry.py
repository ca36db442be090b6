"""The wilayah an import matches against (``_Registry``): the kecamatan and desa rows read once
and indexed by normalised name within their parent and kabupaten, and, when needed, the stored
kecamatan boundaries, kabupaten outlines and typical areas."""

import statistics
from collections import defaultdict

import shapely
from django.core.exceptions import FieldDoesNotExist
from shapely.geometry import shape

from ..geometry import area_km2
from ..models import Desa, Kabupaten, Kecamatan
from .codes import normalise_name
from .shapes import _valid

MODELS = {"kecamatan": Kecamatan, "desa": Desa}
# Typical areas when none are stored: Kabupaten Malang's 3,535 km2 over 33 kecamatan, 390 desa.
TYPICAL_KM2 = {"kecamatan": 107.0, "desa": 9.0}


class _Registry:
    """The wilayah an import matches against, read once: for each row its name and parent
    (a kecamatan's kabupaten, a desa's kecamatan), indexed by normalised name within the
    parent and within the kabupaten; stored boundaries are read only when needed."""

    def __init__(self, level: str):
        self.level = level
        self.kecamatan = {
            code: (name, kabupaten)
            for code, name, kabupaten in Kecamatan.objects.values_list(
                "code", "name", "kabupaten__code"
            )
        }
        self.desa = {
            code: (name, kecamatan)
            for code, name, kecamatan in Desa.objects.values_list("code", "name", "kecamatan__code")
        }
        self.rows = self.kecamatan if level == "kecamatan" else self.desa
        self.names = {
            "kecamatan": {normalise_name(name) for name, _parent in self.kecamatan.values()},
            "desa": {normalise_name(name) for name, _parent in self.desa.values()},
        }
        self.kecamatan_by_name = defaultdict(list)
        self.kecamatan_in = defaultdict(list)
        for code, (name, kabupaten) in self.kecamatan.items():
            self.kecamatan_by_name[normalise_name(name)].append(code)
            self.kecamatan_in[kabupaten].append(code)
        # (parent, name) -> codes; (kabupaten, name) -> codes; parent -> codes
        self.in_parent = defaultdict(list)
        self.in_kabupaten = defaultdict(list)
        self.by_parent = defaultdict(list)
        self.by_name = defaultdict(list)
        for code, (name, parent) in self.rows.items():
            key = normalise_name(name)
            self.by_name[key].append(code)
            self.in_parent[parent, key].append(code)
            self.in_kabupaten[code[:5], key].append(code)
            self.by_parent[parent].append(code)
        self._kecamatan_shapes = None
        self._kecamatan_tree = None
        self._outlines = {}

    def name(self, code: str) -> str:
        return self.rows[code][0]

    def parent(self, code: str) -> str:
        return self.rows[code][1]

    def kabupaten_name(self, code: str) -> str:
        return Kabupaten.objects.filter(code=code).values_list("name", flat=True).first() or code

    def kecamatan_shapes(self) -> dict[str, shapely.Geometry]:
        if self._kecamatan_shapes is None:
            stored = Kecamatan.objects.filter(boundary__isnull=False).values_list(
                "code", "boundary"
            )
            self._kecamatan_shapes = {code: _valid(shape(boundary)) for code, boundary in stored}
        return self._kecamatan_shapes

    def kecamatan_at(self, geometry: shapely.Geometry) -> str | None:
        """The kecamatan whose stored boundary holds ``geometry``'s representative point."""
        shapes = self.kecamatan_shapes()
        if not shapes:
            return None
        if self._kecamatan_tree is None:
            self._kecamatan_tree = (list(shapes), shapely.STRtree(list(shapes.values())))
        codes, tree = self._kecamatan_tree
        found = tree.query(geometry.point_on_surface(), predicate="covered_by")
        return codes[found[0]] if len(found) == 1 else None

    def outline(self, kabupaten: str) -> shapely.Geometry | None:
        """The kabupaten's stored outline (``Kabupaten.boundary``, where that field exists), else
        the union of its kecamatan boundaries when all of them are stored, else ``None``."""
        if kabupaten not in self._outlines:
            self._outlines[kabupaten] = self._read_outline(kabupaten)
        return self._outlines[kabupaten]

    def _read_outline(self, kabupaten: str):
        try:
            Kabupaten._meta.get_field("boundary")
        except FieldDoesNotExist:
            pass
        else:
            stored = (
                Kabupaten.objects.filter(code=kabupaten).values_list("boundary", flat=True).first()
            )
            if stored:
                return _valid(shape(stored))
        codes = self.kecamatan_in[kabupaten]
        shapes = self.kecamatan_shapes()
        if codes and all(code in shapes for code in codes):
            return shapely.union_all([shapes[code] for code in codes])
        return None

    def typical_km2(self) -> dict[str, float]:
        """The usual area of a kecamatan and of a desa: the median of the stored boundaries
        (a sample), one level derived from the other by their counts, else Kabupaten Malang's."""
        medians = {}
        for level, model in MODELS.items():
            stored = model.objects.filter(boundary__isnull=False).values_list("boundary", flat=True)
            areas = [area_km2(_valid(shape(boundary))) for boundary in stored[:200]]
            if len(areas) >= 3:
                medians[level] = statistics.median(areas)
        ratio = len(self.desa) / len(self.kecamatan) if self.kecamatan and self.desa else None
        if ratio and "kecamatan" in medians and "desa" not in medians:
            medians["desa"] = medians["kecamatan"] / ratio
        if ratio and "desa" in medians and "kecamatan" not in medians:
            medians["kecamatan"] = medians["desa"] * ratio
        return medians if len(medians) == 2 else dict(TYPICAL_KM2)
