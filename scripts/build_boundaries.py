#!/usr/bin/env python
"""Regenerate fixtures/boundaries-35.07/ from the public cahyadsn/wilayah_boundaries SQL files.

    .venv/bin/python scripts/build_boundaries.py [--source DIR] [--out DIR] [--check]

Reads Kabupaten Malang's 390 desa/kelurahan from ``wilayah_boundaries_kel_35.07.sql`` (positions
[lat, lng], swapped here to GeoJSON's [lng, lat]), repairs them, makes their shared borders
identical and fills the slivers between them (``coverage_clean``), simplifies them as one
coverage (``coverage_simplify``: a shared border is simplified once, so no gap or overlap
opens) and rounds the layer to 5 decimals together. The 33 kecamatan and the kabupaten outline
are the desa dissolved by code, so the three layers nest exactly. The publisher's own kecamatan
and kabupaten rows are read only for their names and for the "source" figures.

Writes ``kabupaten.geojson``, ``kecamatan.geojson``, ``desa.geojson`` (properties ``code``,
``name``), ``README.md`` with the figures, and a copy of the source's MIT ``LICENSE``.
``--check`` writes nothing and exits 1 if the files on disk differ from what would be written.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shapely.geometry import mapping, shape  # noqa: E402

from villages.geometry import (  # noqa: E402
    area_km2,
    dissolve,
    layer_gaps,
    layer_overlaps,
    repair,
    round_coordinates,
    simplify_layer,
    vertex_count,
)

SOURCE = ROOT.parent / "shared" / "data" / "boundaries-cahyadsn"
OUT = ROOT / "fixtures" / "boundaries-35.07"
KABUPATEN = "35.07"
FILES = {
    "kabupaten": "wilayah_boundaries_kab_35.sql",
    "kecamatan": "wilayah_boundaries_kec_35.sql",
    "desa": "wilayah_boundaries_kel_35.07.sql",
}
CODE_LENGTHS = {"kabupaten": 5, "kecamatan": 8, "desa": 13}
# Visvalingam-Whyatt tolerance in degrees (about 78 m): triangles smaller than about 78 m x 78 m
# are removed from the borders. Desa move a median 71 m (95% under 130 m) from the source
# shape, a few pixels at the zoom the desa layer is read at, and the desa file stays about the
# size the map sent before (see README figures).
TOLERANCE = 0.0007
# Douglas-Peucker tolerance of the "one by one" comparison row (import_boundaries' default).
ONE_BY_ONE_TOLERANCE = 0.0005
# Gaps between desa narrower than this (degrees, about 33 m) are digitising slivers: each goes
# to the neighbour with the longest shared border. Real holes (Kota Malang) are kilometres wide.
GAP_WIDTH = 0.0003
# Kabupaten Malang lies within these bounds (lng, lat); anything outside is a reading error.
BOUNDS = (112.1, -8.6, 113.1, -7.6)

_ROW = re.compile(
    r"^\s*\('(?P<code>[^']*)','(?P<name>(?:[^'\\]|\\.|'')*)',"
    r"(?P<lat>-?[\d.]+),(?P<lng>-?[\d.]+),'(?P<path>\[.*\])'\)[,;]\s*$"
)
_COMMIT = re.compile(r"commit\s+`([0-9a-f]{40})`")


@dataclass
class Area:
    code: str
    name: str
    geometry: object


def read_sql(path: Path, level: str) -> list[Area]:
    """The rows of ``path`` for Kabupaten Malang at ``level``, geometries as lng/lat shapely."""
    areas = []
    length = CODE_LENGTHS[level]
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        code = match["code"]
        if len(code) != length or not code.startswith(KABUPATEN):
            continue
        name = match["name"].replace("''", "'").replace("\\'", "'")
        coordinates = _swap(json.loads(match["path"]))
        depth, inner = 0, coordinates
        while isinstance(inner, list):
            depth, inner = depth + 1, inner[0]
        kind = {3: "Polygon", 4: "MultiPolygon"}[depth]
        geometry = shape({"type": kind, "coordinates": coordinates})
        _check_bounds(geometry, code)
        areas.append(Area(code, name, geometry))
    return sorted(areas, key=lambda area: area.code)


def _swap(coordinates):
    """[lat, lng] positions to [lng, lat], at any nesting depth."""
    if coordinates and isinstance(coordinates[0], int | float):
        return [coordinates[1], coordinates[0], *coordinates[2:]]
    return [_swap(part) for part in coordinates]


def _check_bounds(geometry, code: str) -> None:
    min_x, min_y, max_x, max_y = geometry.bounds
    if min_x < BOUNDS[0] or min_y < BOUNDS[1] or max_x > BOUNDS[2] or max_y > BOUNDS[3]:
        raise SystemExit(f"{code}: {geometry.bounds} lies outside Kabupaten Malang {BOUNDS}")


def figures(geometries: list) -> dict:
    """Vertices, invalid shapes, and overlaps/gaps between neighbours of a layer."""
    overlaps = layer_overlaps(geometries)
    gaps = layer_gaps(geometries)
    holes = layer_gaps(geometries, max_gap_km2=float("inf"))
    return {
        "shapes": len(geometries),
        "vertices": vertex_count(geometries),
        "invalid": sum(not geometry.is_valid for geometry in geometries),
        "overlap_km2": sum(km2 for _, _, km2 in overlaps),
        "overlap_pairs": len(overlaps),
        "sliver_km2": sum(gaps),
        "slivers": len(gaps),
        "area_km2": sum(area_km2(repair(geometry)) for geometry in geometries),
        "largest_hole_km2": max(holes, default=0.0),
    }


def shifts_m(before: list, after: list) -> list[float]:
    """Hausdorff distance (m) between each source shape and its bundled shape."""
    metres_per_degree = 111_195
    return [
        repair(a).hausdorff_distance(b) * metres_per_degree
        for a, b in zip(before, after, strict=True)
    ]


def feature_collection(level: str, rows: list[tuple[str, str, object]]) -> str:
    """GeoJSON text, one feature per line so a regenerated file diffs by area."""
    lines = []
    for code, name, geometry in rows:
        feature = {
            "type": "Feature",
            "properties": {"code": code, "name": name},
            "geometry": mapping(geometry),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    header = (
        '{"type":"FeatureCollection","name":"' + level + '",'
        '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},'
        '"features":[\n'
    )
    return header + ",\n".join(lines) + "\n]}\n"


def build(source: Path, *, with_figures: bool = True) -> tuple[dict[str, str], dict]:
    """The three GeoJSON texts by file name, and the figures (empty without ``with_figures``:
    measuring the source takes most of the time)."""
    source_areas = {level: read_sql(source / FILES[level], level) for level in FILES}
    desa = source_areas["desa"]
    names = {area.code: area.name for level in source_areas for area in source_areas[level]}
    codes = [area.code for area in desa]

    bundled_desa = simplify_layer([area.geometry for area in desa], TOLERANCE, gap_width=GAP_WIDTH)
    kecamatan = dissolve(bundled_desa, [code[:8] for code in codes])
    kabupaten = dissolve(bundled_desa, [code[:5] for code in codes])
    texts = {
        "kabupaten.geojson": feature_collection(
            "kabupaten", [(code, names[code], geometry) for code, geometry in kabupaten.items()]
        ),
        "kecamatan.geojson": feature_collection(
            "kecamatan", [(code, names[code], geometry) for code, geometry in kecamatan.items()]
        ),
        "desa.geojson": feature_collection(
            "desa",
            [
                (code, names[code], geometry)
                for code, geometry in zip(codes, bundled_desa, strict=True)
            ],
        ),
    }
    if not with_figures:
        return texts, {}

    # For comparison: each desa simplified on its own (Douglas-Peucker, 0.0005 degree, about
    # 55 m, and rounded), as an import that ignores the neighbours does.
    one_by_one = [
        round_coordinates(repair(area.geometry).simplify(ONE_BY_ONE_TOLERANCE)) for area in desa
    ]
    source_kecamatan = [area.geometry for area in source_areas["kecamatan"]]
    stats = {
        "desa": {
            "source": figures([area.geometry for area in desa]),
            "bundled": figures(bundled_desa),
            "one_by_one": figures(one_by_one),
        },
        "kecamatan": {
            "source": figures(source_kecamatan),
            "source_dissolved": figures(
                list(dissolve([repair(a.geometry) for a in desa], [c[:8] for c in codes]).values())
            ),
            "bundled": figures(list(kecamatan.values())),
        },
        "kabupaten": {
            "source": figures([area.geometry for area in source_areas["kabupaten"]]),
            "bundled": figures(list(kabupaten.values())),
        },
    }
    desa_shifts = shifts_m([area.geometry for area in desa], bundled_desa)
    stats["desa"]["shift_m"] = {
        "median": statistics.median(desa_shifts),
        "p95": sorted(desa_shifts)[int(0.95 * len(desa_shifts))],
        "max": max(desa_shifts),
    }
    for name, text in texts.items():
        stats.setdefault("files", {})[name] = {
            "bytes": len(text.encode()),
            "gzip_bytes": len(gzip.compress(text.encode(), mtime=0)),
        }
    return texts, stats


def source_commit(source: Path) -> str:
    match = _COMMIT.search((source / "SOURCE.md").read_text(encoding="utf-8"))
    return match[1] if match else "(unknown)"


def _km2(value: float) -> str:
    return f"{value:,.2f}"


def figures_table(stats: dict) -> str:
    """The Markdown table of the figures (also copied into docs/boundaries.md)."""
    rows = [
        "| Layer | Shapes | Vertices | Invalid | Overlap km² (pairs) | Slivers km² (count) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = [
        ("desa", "source", "Desa, source"),
        ("desa", "one_by_one", "Desa, simplified one by one (for comparison)"),
        ("desa", "bundled", "Desa, bundled"),
        ("kecamatan", "source", "Kecamatan, source (publisher's own layer)"),
        ("kecamatan", "source_dissolved", "Kecamatan, source desa dissolved"),
        ("kecamatan", "bundled", "Kecamatan, bundled"),
        ("kabupaten", "source", "Kabupaten outline, source"),
        ("kabupaten", "bundled", "Kabupaten outline, bundled"),
    ]
    for level, key, label in labels:
        f = stats[level][key]
        rows.append(
            f"| {label} | {f['shapes']} | {f['vertices']:,} | {f['invalid']} | "
            f"{_km2(f['overlap_km2'])} ({f['overlap_pairs']}) | "
            f"{_km2(f['sliver_km2'])} ({f['slivers']}) |"
        )
    return "\n".join(rows)


def readme(stats: dict, commit: str) -> str:
    shift = stats["desa"]["shift_m"]
    files = "\n".join(
        f"| `{name}` | {info['bytes'] / 1000:,.0f} KB | {info['gzip_bytes'] / 1000:,.0f} KB |"
        for name, info in stats["files"].items()
    )
    hole = stats["desa"]["bundled"]["largest_hole_km2"]
    area_source = stats["desa"]["source"]["area_km2"]
    area_bundled = stats["desa"]["bundled"]["area_km2"]
    return f"""# Boundaries of Kabupaten Malang (35.07): outline, 33 kecamatan, 390 desa/kelurahan

GeoJSON (EPSG:4326, [longitude, latitude], 5 decimals) with properties `code` (Kemendagri code,
the same as `fixtures/wilayah-35.07`) and `name`. `python manage.py load_boundaries` stores them
on the wilayah by code (`make db` and `make run` do it).

| File | Size | Gzipped |
|---|---:|---:|
{files}

## Source and licence

Derived from the public repository
[`cahyadsn/wilayah_boundaries`](https://github.com/cahyadsn/wilayah_boundaries), commit
`{commit}`: file `db/kel/35/wilayah_boundaries_kel_35.07.sql` for the desa shapes and
names; `db/kec/wilayah_boundaries_kec_35.sql` and `db/kab/wilayah_boundaries_kab_35.sql` for
the kecamatan and kabupaten names (their shapes only for the figures below). A copy of the source
files is in `../shared/data/boundaries-cahyadsn/` beside the project.

Licence: MIT, Copyright (c) 2024 Cahya DSN. The notice is in `LICENSE` beside this file and
must be kept wherever these files go.

## How it was made

`scripts/build_boundaries.py` (run it to regenerate this folder;
`--check` says whether the files are up to date):

1. read the 390 desa rows of Kabupaten Malang and swap the source's [lat, lng] positions;
2. repair invalid rings, make shared borders identical and give each overlap and each sliver
   narrower than {GAP_WIDTH} degree (about 33 m) to one neighbour (`shapely.coverage_clean`);
3. simplify the desa as one coverage (`shapely.coverage_simplify`, tolerance {TOLERANCE} degree,
   about 78 m): a shared border is simplified once, so no gap or overlap opens;
4. round the layer to 5 decimals (about 1 m) together (`villages.geometry.snap_round_layer`);
5. dissolve the desa by code into the 33 kecamatan and the kabupaten outline, so the three
   layers nest exactly.

The publisher's own kecamatan layer is not used for shapes: it is coarse and does not tile.

## Figures

"Simplified one by one" is what simplifying each desa on its own does to the same source
(Douglas-Peucker, {ONE_BY_ONE_TOLERANCE} degree, rounded to 5 decimals): not bundled, shown for
comparison. Overlap: area claimed by two neighbours (sum over pairs). Slivers: holes in the
layer's union of at most 1 km² that no shape claims (Kota Malang's hole, {_km2(hole)} km², is
not one).
Areas on a local equirectangular projection (`villages.geometry.area_km2`).

{figures_table(stats)}

Desa area in total: {_km2(area_source)} km² in the source, {_km2(area_bundled)} km² bundled.
Each desa moved from its source shape (Hausdorff distance) by a median of
{shift["median"]:.0f} m, 95% of them by at most {shift["p95"]:.0f} m, the most {shift["max"]:.0f} m
(where an overlap or a sliver went to a neighbour).
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)

    texts, stats = build(args.source)
    texts["README.md"] = readme(stats, source_commit(args.source))
    if args.check:
        stale = [
            name
            for name, text in texts.items()
            if not (args.out / name).exists()
            or (args.out / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"out of date: {args.out / name}")
        return 1 if stale else 0

    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (args.out / name).write_text(text, encoding="utf-8")
    shutil.copyfile(args.source / "LICENSE", args.out / "LICENSE")
    print(figures_table(stats))
    print(json.dumps(stats["files"]), json.dumps(stats["desa"]["shift_m"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
