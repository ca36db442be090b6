"""The bundled boundaries of Kabupaten Malang (fixtures/boundaries-35.07) and load_boundaries."""

import io
import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest
import shapely
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import shape

from villages.bundled_boundaries import FIXTURE_DIR
from villages.geometry import area_km2, layer_defects, vertex_count
from villages.models import Desa, Kabupaten, Kecamatan

SOURCE_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "boundaries-cahyadsn"
# The source's own figures between neighbours (km²), as docs/boundaries.md gives them.
SOURCE_DESA_DEFECTS = (0.67, 0.69)
SOURCE_KECAMATAN_DEFECTS = (22.7, 18.0)


@cache
def _layer(level: str) -> dict:
    """``{code: (name, shapely geometry)}`` of a bundled file."""
    data = json.loads((FIXTURE_DIR / f"{level}.geojson").read_text(encoding="utf-8"))
    return {
        feature["properties"]["code"]: (feature["properties"]["name"], shape(feature["geometry"]))
        for feature in data["features"]
    }


def _wilayah_codes(stem: str) -> set[str]:
    lines = (settings.WILAYAH_FIXTURE_DIR / f"{stem}.csv").read_text(encoding="utf-8").splitlines()
    return {line.split(",")[0] for line in lines[1:] if line}


def _load(*args) -> str:
    out = io.StringIO()
    call_command("load_boundaries", *args, stdout=out)
    return out.getvalue()


def test_bundle_holds_the_outline_33_kecamatan_and_390_desa_of_the_bundled_wilayah():
    assert list(_layer("kabupaten")) == ["35.07"]
    assert len(_layer("kecamatan")) == 33
    assert len(_layer("desa")) == 390
    assert set(_layer("kecamatan")) == _wilayah_codes("districts")
    assert set(_layer("desa")) == {
        code for code in _wilayah_codes("villages") if code.startswith("35.07.")
    }
    for level in ("kabupaten", "kecamatan", "desa"):
        for code, (name, geometry) in _layer(level).items():
            assert name, code
            assert geometry.geom_type in {"Polygon", "MultiPolygon"}, code
            assert geometry.is_valid, code
            min_x, min_y, max_x, max_y = geometry.bounds
            # Kabupaten Malang: about 112.2-113.0 E, 7.7-8.5 S (never swapped lat/lng).
            assert 112.1 < min_x < max_x < 113.1, code
            assert -8.6 < min_y < max_y < -7.6, code


def test_coordinates_have_at_most_five_decimals():
    text = (FIXTURE_DIR / "desa.geojson").read_text(encoding="utf-8")
    numbers = re.findall(r"-?\d+\.(\d+)", text)
    assert numbers
    assert max(len(decimals) for decimals in numbers) <= 5


def test_layers_nest_exactly():
    """Each kecamatan is the union of its desa; the outline is the union of the kecamatan."""
    desa, kecamatan = _layer("desa"), _layer("kecamatan")
    for code, (_name, geometry) in kecamatan.items():
        members = [g for c, (_n, g) in desa.items() if c.startswith(code + ".")]
        assert members, code
        difference = geometry.symmetric_difference(shapely.union_all(members))
        assert area_km2(difference) < 1e-6, code
    outline = _layer("kabupaten")["35.07"][1]
    union = shapely.union_all([g for _n, g in kecamatan.values()])
    assert area_km2(outline.symmetric_difference(union)) < 1e-6
    # Kota Malang is a hole in the outline, not part of it.
    balai_kota_malang = shapely.Point(112.6339, -7.9777)
    assert not outline.contains(balai_kota_malang)
    kepanjen = shapely.Point(112.5710, -8.1310)
    assert outline.contains(kepanjen)
    assert kecamatan["35.07.13"][1].contains(kepanjen)


def test_no_gap_or_overlap_between_neighbours():
    """The source's desa overlap 0.67 km² and leave 0.69 km² of slivers, its kecamatan 22.7 and
    18.0 km² (docs/boundaries.md); the bundled layers have neither."""
    for level, source in (("desa", SOURCE_DESA_DEFECTS), ("kecamatan", SOURCE_KECAMATAN_DEFECTS)):
        overlap, sliver = layer_defects([g for _n, g in _layer(level).values()])
        assert overlap <= source[0], level
        assert sliver <= source[1], level
        assert overlap < 1e-6, level
        assert sliver < 1e-6, level


def test_readme_and_licence_are_kept_and_figures_match_the_files():
    readme = (FIXTURE_DIR / "README.md").read_text(encoding="utf-8")
    licence = (FIXTURE_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence
    assert "Cahya DSN" in licence
    assert "cahyadsn/wilayah_boundaries" in readme
    assert re.search(r"commit\s+`[0-9a-f]{40}`", readme)
    assert "scripts/build_boundaries.py" in readme
    vertices = vertex_count([g for _n, g in _layer("desa").values()])
    assert f"| Desa, bundled | 390 | {vertices:,} |" in readme
    docs = (Path(settings.BASE_DIR) / "docs" / "boundaries.md").read_text(encoding="utf-8")
    assert f"| Desa, bundled | 390 | {vertices:,} |" in docs


def _build_script():
    """scripts/build_boundaries.py as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_boundaries", Path(settings.BASE_DIR) / "scripts" / "build_boundaries.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


needs_source = pytest.mark.skipif(
    not SOURCE_DIR.exists(), reason="the source files are not beside the project"
)


@needs_source
def test_source_figures_are_what_the_docs_say():
    """The figures the tests above compare with, measured on the publisher's files."""
    script = _build_script()
    source = script.read_sql(SOURCE_DIR / script.FILES["kecamatan"], "kecamatan")
    overlap, sliver = layer_defects([area.geometry for area in source])
    assert overlap == pytest.approx(SOURCE_KECAMATAN_DEFECTS[0], abs=0.05)
    assert sliver == pytest.approx(SOURCE_KECAMATAN_DEFECTS[1], abs=0.05)
    assert vertex_count([area.geometry for area in source]) == 1272


@needs_source
def test_the_script_regenerates_the_bundled_files_exactly():
    """The bundle is what scripts/build_boundaries.py makes of the source, byte for byte; the
    source's positions are [lat, lng] and the bundle's [lng, lat]."""
    script = _build_script()
    texts, _figures = script.build(SOURCE_DIR, with_figures=False)
    assert sorted(texts) == ["desa.geojson", "kabupaten.geojson", "kecamatan.geojson"]
    for name, text in texts.items():
        assert (FIXTURE_DIR / name).read_text(encoding="utf-8") == text, name
    first_row = script.read_sql(SOURCE_DIR / script.FILES["desa"], "desa")[0]
    assert first_row.code == "35.07.01.2001"
    assert 112 < first_row.geometry.centroid.x < 113  # longitude first after the swap


def test_load_boundaries_stores_every_layer_and_a_second_run_changes_nothing(malang):
    output = _load()
    assert "Kabupaten: 1 dimuat" in output
    assert "Kecamatan: 33 dimuat" in output
    assert "Desa/kelurahan: 390 dimuat" in output
    outline = Kabupaten.objects.get(code="35.07").boundary
    assert shape(outline).equals(_layer("kabupaten")["35.07"][1])
    assert not Kecamatan.objects.filter(boundary__isnull=True).exists()
    assert not Desa.objects.filter(boundary__isnull=True).exists()
    wajak = Kecamatan.objects.get(code="35.07.08")
    assert shape(wajak.boundary).equals(_layer("kecamatan")["35.07.08"][1])
    ngebruk = Desa.objects.get(code="35.07.07.2009")
    assert shape(ngebruk.boundary).equals(_layer("desa")["35.07.07.2009"][1])

    with CaptureQueriesContext(connection) as queries:
        again = _load()
    assert "Tidak ada yang berubah" in again
    assert "Desa/kelurahan: 0 dimuat, 390 sudah sama, 0 dibiarkan" in again
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert writes == []


def test_load_boundaries_refuses_before_load_wilayah(db):
    with pytest.raises(CommandError, match="load_wilayah"):
        _load()
    assert not Kecamatan.objects.exists()


def test_load_boundaries_refuses_when_the_wilayah_lack_an_area_of_the_bundle(malang):
    Desa.objects.filter(code="35.07.01.2001").delete()
    with pytest.raises(CommandError, match=r"1 desa .*35\.07\.01\.2001.*load_wilayah") as error:
        _load()
    assert "Tidak ada data yang diubah" in str(error.value)
    assert not Kecamatan.objects.filter(boundary__isnull=False).exists()
    assert not Kabupaten.objects.filter(boundary__isnull=False).exists()


def test_a_damaged_bundle_is_refused_before_writing(malang, tmp_path):
    from villages.bundled_boundaries import BundledBoundaryError, load_bundled_boundaries

    for name in ("kabupaten.geojson", "kecamatan.geojson", "desa.geojson"):
        (tmp_path / name).write_text((FIXTURE_DIR / name).read_text(encoding="utf-8"))
    data = json.loads((tmp_path / "desa.geojson").read_text(encoding="utf-8"))
    del data["features"][5]
    (tmp_path / "desa.geojson").write_text(json.dumps(data))
    with pytest.raises(BundledBoundaryError, match="389 fitur, seharusnya 390"):
        load_bundled_boundaries(folder=tmp_path)
    assert not Kabupaten.objects.filter(boundary__isnull=False).exists()


def test_load_boundaries_keeps_an_imported_boundary_unless_replace(malang):
    """An office's own boundary (here a made-up square on Wajak) survives `make run`."""
    own = {
        "type": "Polygon",
        "coordinates": [
            [[112.7, -8.1], [112.8, -8.1], [112.8, -8.0], [112.7, -8.0], [112.7, -8.1]]
        ],
    }
    Kecamatan.objects.filter(code="35.07.08").update(boundary=own)
    output = _load()
    assert "Kecamatan: 32 dimuat, 0 sudah sama, 1 dibiarkan" in output
    assert "--replace" in output
    assert Kecamatan.objects.get(code="35.07.08").boundary == own

    replaced = _load("--replace")
    assert "Kecamatan: 1 dimuat, 32 sudah sama, 0 dibiarkan" in replaced
    wajak = Kecamatan.objects.get(code="35.07.08").boundary
    assert shape(wajak).equals(_layer("kecamatan")["35.07.08"][1])


def test_the_map_page_draws_the_bundled_boundaries(malang, staff_client):
    _load()
    page = staff_client.get("/peta/")
    assert page.status_code == 200
    assert b"data-no-boundaries" not in page.content
    for level, count in (("kecamatan", 33), ("desa", 390), ("kabupaten", 1)):
        response = staff_client.get("/peta/data/", {"tingkat": level})
        assert response.status_code == 200
        body = response.content
        if response.get("Content-Encoding") == "gzip":
            import gzip

            body = gzip.decompress(body)
        assert len(json.loads(body)["features"]) == count, level
