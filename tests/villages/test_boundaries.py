"""import_boundaries: reading GeoJSON, matching features to wilayah, simplifying geometries.

The polygons are generated here (noisy circles around Kabupaten Malang), not real boundaries:
what matters is their vertex count and roughness, so simplification has something to remove.
"""

import io
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import mapping, shape

from tests.factories import DesaFactory, KecamatanFactory
from villages import boundaries
from villages.models import Desa, Kabupaten, Kecamatan

LON, LAT = 112.6, -8.1
UTM_49S = "urn:ogc:def:crs:EPSG::32749"


def noisy_ring(lon=LON, lat=LAT, *, radius=0.02, vertices=300, seed=0) -> list[list[float]]:
    """A closed ring of ``vertices`` points around (lon, lat): a circle with a few slow waves and
    a random walk on its radius, rough at every scale like a surveyed boundary. Star-shaped, so
    always a valid polygon."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    waves = sum(np.sin(k * angles + rng.uniform(0, 2 * np.pi)) / k for k in range(2, 7)) * 0.1
    walk = np.cumsum(rng.normal(0, 1, vertices))
    walk -= np.linspace(0, walk[-1], vertices)
    r = radius * (1 + waves + 0.004 * walk)
    ring = np.c_[lon + r * np.cos(angles), lat + r * np.sin(angles)].tolist()
    return [*ring, ring[0]]


def polygon(**kwargs) -> dict:
    return {"type": "Polygon", "coordinates": [noisy_ring(**kwargs)]}


def feature(geometry=None, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry or polygon()}


def collection(*features, **extra) -> dict:
    return {"type": "FeatureCollection", **extra, "features": list(features)}


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_boundaries", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def assert_nothing_stored():
    assert not Kecamatan.objects.filter(boundary__isnull=False).exists()
    assert not Desa.objects.filter(boundary__isnull=False).exists()


def vertices(geometry: dict) -> int:
    return shapely.get_num_coordinates(shape(geometry))


@pytest.fixture
def wajak(db):
    return KecamatanFactory(code="35.07.08", name="Wajak")


@pytest.fixture
def pakis(db):
    return KecamatanFactory(code="35.07.19", name="Pakis")


@pytest.fixture
def sukoanyar(wajak, pakis):
    """Two desa of the same name in different kecamatan, as Kabupaten Malang has."""
    return (
        DesaFactory(kecamatan=wajak, code="35.07.08.2001", name="Sukoanyar"),
        DesaFactory(kecamatan=pakis, code="35.07.19.2005", name="SUKOANYAR"),
    )


# Matching


@pytest.mark.parametrize(
    ("key", "value"),
    [("kode", "35.07.08"), ("KD_KEC", "350708"), ("KDCPUM", 350708), ("id", 350708.0)],
)
def test_kecamatan_matched_by_code_dotted_or_not(tmp_path, wajak, key, value):
    path = write(
        tmp_path / "kec.geojson", collection(feature(**{key: value, "nama": "Kec. Wajak"}))
    )

    result = boundaries.import_boundaries(path, level="kecamatan")

    assert result.matched == result.updated == ["35.07.08"]
    assert result.unmatched == result.ambiguous == []
    wajak.refresh_from_db()
    assert wajak.boundary["type"] == "Polygon"
    assert shape(wajak.boundary).is_valid


def test_desa_matched_by_undotted_code(tmp_path, sukoanyar):
    path = write(tmp_path / "desa.geojson", collection(feature(KDEPUM="3507192005")))

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == ["35.07.19.2005"]
    assert Desa.objects.get(code="35.07.19.2005").boundary is not None
    assert Desa.objects.get(code="35.07.08.2001").boundary is None


def test_code_and_name_that_disagree_are_refused(tmp_path, malang):
    """The measured case: Wajak's shape coded as Kalipare (35.07.11) was put on Kalipare."""
    path = write(
        tmp_path / "kec.geojson",
        collection(feature(polygon(lon=112.72, lat=-8.1), kode="35.07.11", nama="Wajak")),
    )

    result = boundaries.import_boundaries(path, level="kecamatan")

    assert result.matched == []
    [refusal] = result.refused
    assert refusal.code == "35.07.11"
    assert "kode 35.07.11 adalah Kalipare, tetapi nama di berkas “Wajak”" in refusal.reason
    assert "nama itu milik kecamatan 35.07.08 Wajak" in refusal.reason
    assert not Kecamatan.objects.filter(boundary__isnull=False).exists()
    output = run(path, "--level", "kecamatan")
    assert "ditolak: 1" in output
    assert "kode dan nama tidak sepakat, jadi tidak diterapkan" in output
    assert_nothing_stored()


def test_a_name_spelt_a_little_differently_still_matches_by_code(tmp_path, malang):
    # idn-area-data 4.0.1 renamed Amandanom to Amadanom; older files keep the old spelling.
    path = write(
        tmp_path / "desa.geojson",
        collection(
            feature(
                polygon(lon=112.78, lat=-8.2, radius=0.01), kode="35.07.05.2006", nama="Amandanom"
            )
        ),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == ["35.07.05.2006"]
    [match] = result.matches
    assert match.how == ["kode"]
    assert "“Amandanom”" in match.note


def test_a_desa_coded_in_another_kecamatan_than_the_file_says_is_refused(tmp_path, malang):
    path = write(
        tmp_path / "desa.geojson",
        collection(
            feature(
                polygon(lon=112.75, lat=-8.05, radius=0.01),
                kode="35.07.07.2009",
                nama="Ngebruk",
                kecamatan="Sumberpucung",
            )
        ),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == []
    assert "ada di Kecamatan Poncokusumo, tetapi berkas menyebut Kecamatan Sumberpucung" in (
        result.refused[0].reason
    )


def test_unknown_code_falls_back_to_name(tmp_path, wajak):
    # BPS numbers kecamatan differently from Kemendagri; a code we do not hold is no verdict.
    path = write(tmp_path / "kec.geojson", collection(feature(kode="3507080", nama="WAJAK")))

    assert boundaries.import_boundaries(path, level="kecamatan").matched == ["35.07.08"]


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("WADMKC", "Kecamatan Wajak"),
        ("nama", "Kec. WAJAK"),
        ("name", "  wajak  "),
        ("Nama_Kec", "KEC.WAJAK"),
    ],
)
def test_kecamatan_matched_by_name_without_prefix(tmp_path, wajak, key, name):
    path = write(tmp_path / "kec.geojson", collection(feature(**{key: name})))

    result = boundaries.import_boundaries(path, level="kecamatan")

    assert result.matched == ["35.07.08"]


def test_name_ignores_spaces_and_punctuation(tmp_path, db):
    KecamatanFactory(code="35.07.10", name="Sumberpucung")
    path = write(tmp_path / "kec.geojson", collection(feature(WADMKC="Sumber Pucung")))

    assert boundaries.import_boundaries(path, level="kecamatan").matched == ["35.07.10"]


def test_code_and_name_fields_given_on_the_command_line(tmp_path, wajak, pakis):
    path = write(
        tmp_path / "kec.geojson",
        collection(
            feature(KODE_WILAYAH="35.07.08", kode="35.07.19"),
            feature(polygon(lon=112.8), LABEL="Pakis", nama="Wajak"),
        ),
    )

    result = boundaries.import_boundaries(
        path, level="kecamatan", code_field="kode_wilayah", name_field="LABEL"
    )

    assert result.matched == ["35.07.08", "35.07.19"]


def test_unmatched_feature_is_reported_and_not_stored(tmp_path, wajak):
    path = write(
        tmp_path / "kec.geojson",
        collection(feature(nama="Wajak"), feature(polygon(lon=112.8), nama="Kecamatan Atlantis")),
    )

    output = run(path, "--level", "kecamatan")

    assert "cocok: 1, tidak cocok: 1, ambigu: 0" in output
    assert "Kecamatan Atlantis (kec.geojson, fitur 2)" in output
    assert Kecamatan.objects.filter(boundary__isnull=False).count() == 1


def test_same_desa_name_in_two_kecamatan_is_ambiguous(tmp_path, sukoanyar):
    path = write(tmp_path / "desa.geojson", collection(feature(nama="Desa Sukoanyar")))

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == []
    assert result.ambiguous == [
        ("Desa Sukoanyar (desa.geojson, fitur 1)", ["35.07.08.2001", "35.07.19.2005"])
    ]
    assert_nothing_stored()
    assert "ambigu: 1" in run(path, "--level", "desa")


@pytest.mark.parametrize(
    "hint", [{"WADMKC": "Kecamatan Pakis"}, {"kecamatan": "PAKIS"}, {"KDCPUM": "350719"}]
)
def test_kecamatan_property_settles_a_shared_desa_name(tmp_path, sukoanyar, hint):
    path = write(tmp_path / "desa.geojson", collection(feature(WADMKD="Sukoanyar", **hint)))

    assert boundaries.import_boundaries(path, level="desa").matched == ["35.07.19.2005"]


def test_desa_in_another_kecamatan_is_not_matched_by_name(tmp_path, sukoanyar):
    DesaFactory(kecamatan=sukoanyar[0].kecamatan, code="35.07.08.2002", name="Bringin")
    path = write(tmp_path / "desa.geojson", collection(feature(NAMOBJ="Bringin", WADMKC="Tumpang")))

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == []
    assert len(result.unmatched) == 1


# Input formats


def test_folder_of_single_feature_files(tmp_path, wajak, pakis, sukoanyar):
    folder = tmp_path / "batas"
    folder.mkdir()
    write(folder / "wajak.geojson", feature(kode="35.07.08"))
    write(folder / "pakis.JSON", feature(polygon(lon=112.8), nama="Pakis"))
    write(folder / "desa.geojson", collection(feature(polygon(lon=112.9), kode="35.07.19")))
    write(folder / "README.txt", "not GeoJSON, and not read")

    output = run(folder, "--level", "kecamatan")

    assert "cocok: 2, tidak cocok: 0, ambigu: 0" in output
    assert set(Kecamatan.objects.filter(boundary__isnull=False).values_list("code", flat=True)) == {
        "35.07.08",
        "35.07.19",
    }


def test_single_feature_file(tmp_path, wajak):
    path = write(tmp_path / "wajak.geojson", feature(kode="35.07.08"))

    assert boundaries.import_boundaries(path, level="kecamatan").matched == ["35.07.08"]


@pytest.mark.parametrize(
    "crs",
    [
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
    ],
)
def test_lonlat_crs_member_is_accepted(tmp_path, wajak, crs):
    data = collection(feature(kode="35.07.08"), crs={"type": "name", "properties": {"name": crs}})
    path = write(tmp_path / "kec.geojson", data)

    assert boundaries.import_boundaries(path, level="kecamatan").matched == ["35.07.08"]


def test_features_of_one_area_are_merged(tmp_path, wajak):
    path = write(
        tmp_path / "kec.geojson",
        collection(
            feature(polygon(seed=1), kode="35.07.08"),
            feature(polygon(lon=LON + 0.1, seed=2), nama="Wajak"),
        ),
    )

    result = boundaries.import_boundaries(path, level="kecamatan")

    assert result.matched == ["35.07.08"]
    wajak.refresh_from_db()
    assert wajak.boundary["type"] == "MultiPolygon"
    assert len(wajak.boundary["coordinates"]) == 2


def test_self_intersecting_polygon_is_repaired(tmp_path, wajak):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[112.6, -8.1], [112.7, -8.0], [112.7, -8.1], [112.6, -8.0], [112.6, -8.1]]
        ],
    }
    path = write(tmp_path / "kec.geojson", collection(feature(bowtie, kode="35.07.08")))

    boundaries.import_boundaries(path, level="kecamatan")

    wajak.refresh_from_db()
    stored = shape(wajak.boundary)
    assert stored.is_valid
    assert stored.area == pytest.approx(0.005)


# Refused input: a clear message, and nothing written


def _not_json(tmp_path):
    return write(tmp_path / "kec.geojson", "kode,nama\n35.07.08,Wajak\n")


def _not_geojson(tmp_path):
    return write(tmp_path / "kec.json", {"kecamatan": [{"kode": "35.07.08"}]})


def _projected_crs(tmp_path):
    utm = [[[680000 + 2000 * x, 9100000 + 2000 * y] for x, y in [(0, 0), (1, 0), (1, 1), (0, 0)]]]
    data = collection(
        feature(kode="35.07.08"),
        feature({"type": "Polygon", "coordinates": utm}, kode="35.07.19"),
        crs={"type": "name", "properties": {"name": UTM_49S}},
    )
    return write(tmp_path / "kec.geojson", data)


def _projected_coordinates(tmp_path):
    utm = [[[680000 + 2000 * x, 9100000 + 2000 * y] for x, y in [(0, 0), (1, 0), (1, 1), (0, 0)]]]
    data = collection(
        feature(kode="35.07.08"), feature({"type": "Polygon", "coordinates": utm}, nama="Pakis")
    )
    return write(tmp_path / "kec.geojson", data)


def _point(tmp_path):
    point = {"type": "Point", "coordinates": [LON, LAT]}
    return write(
        tmp_path / "kec.geojson",
        collection(feature(kode="35.07.08"), feature(point, nama="Kantor Kecamatan Pakis")),
    )


def _three_point_ring(tmp_path):
    """Wajak as a triangle: an unclosed ring of three positions, which shapely would close."""
    ring = [[112.70, -8.10], [112.80, -8.10], [112.75, -8.05]]
    data = collection(
        feature(kode="35.07.08"), feature({"type": "Polygon", "coordinates": [ring]}, nama="Pakis")
    )
    return write(tmp_path / "kec.geojson", data)


def _text_coordinates(tmp_path):
    ring = [[str(lon), str(lat)] for lon, lat in noisy_ring(vertices=10)]
    data = collection(feature({"type": "Polygon", "coordinates": [ring]}, kode="35.07.08"))
    return write(tmp_path / "kec.geojson", data)


def _nan_coordinates(tmp_path):
    ring = noisy_ring(vertices=10)
    ring[3] = [float("nan"), -8.1]
    data = collection(feature({"type": "Polygon", "coordinates": [ring]}, kode="35.07.08"))
    return write(tmp_path / "kec.geojson", json.dumps(data))  # writes NaN, as some tools do


def _swapped_coordinates(tmp_path):
    ring = [[lat, lon] for lon, lat in noisy_ring(vertices=10)]
    data = collection(feature({"type": "MultiPolygon", "coordinates": [[ring]]}, kode="35.07.08"))
    return write(tmp_path / "kec.geojson", data)


def _deeply_nested(tmp_path):
    return write(tmp_path / "kec.geojson", "[" * 100_000)


def _deeply_nested_coordinates(tmp_path):
    """Within what the JSON parser reads, beyond what shapely does."""
    coordinates = "[" * 900 + "112.0" + "]" * 900
    geometry = f'{{"type": "Polygon", "coordinates": {coordinates}}}'
    properties = '{"kode": "35.07.08"}'
    text = f'{{"type": "Feature", "properties": {properties}, "geometry": {geometry}}}'
    return write(tmp_path / "kec.geojson", text)


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (_deeply_nested, "bersarang terlalu dalam"),
        (_deeply_nested_coordinates, "bersarang terlalu dalam"),
        (_not_json, "bukan JSON yang sah"),
        (_not_geojson, "bukan GeoJSON: isinya harus sebuah Feature atau FeatureCollection"),
        (_projected_crs, f"memakai sistem koordinat {UTM_49S}. Berkas harus EPSG:4326"),
        (_projected_coordinates, "koordinat (680000.0, 9100000.0) bukan bujur/lintang"),
        (_point, "geometri Point tidak diterima; batas wilayah harus Polygon atau MultiPolygon"),
        (_three_point_ring, "Pakis (kec.geojson, fitur 2): cincin ke-1 hanya punya 3 titik"),
        (_text_coordinates, "berupa teks, bukan angka"),
        (_nan_coordinates, "berisi NaN atau tak hingga"),
        (_swapped_coordinates, "lintang dan bujur tertukar"),
    ],
)
def test_broken_input_is_refused_and_nothing_written(tmp_path, wajak, pakis, make_input, message):
    path = make_input(tmp_path)

    with pytest.raises(CommandError) as error:
        run(path, "--level", "kecamatan")

    assert message in str(error.value)
    assert str(error.value).endswith("Tidak ada data yang diubah.")
    assert_nothing_stored()


@pytest.mark.parametrize("make_input", [_projected_crs, _projected_coordinates])
def test_projected_input_is_told_how_to_convert(tmp_path, wajak, pakis, make_input):
    with pytest.raises(boundaries.BoundaryError, match="EPSG:4326 \\(lon/lat\\)") as error:
        boundaries.import_boundaries(make_input(tmp_path), level="kecamatan")

    assert "ogr2ogr -t_srs EPSG:4326 out.geojson in.shp" in str(error.value)


def test_missing_path_and_empty_folder_are_refused(tmp_path, wajak):
    with pytest.raises(CommandError, match="tidak ditemukan"):
        run(tmp_path / "tidak-ada.geojson", "--level", "kecamatan")
    with pytest.raises(CommandError, match="tidak berisi berkas .geojson"):
        run(tmp_path, "--level", "kecamatan")


def test_tolerance_in_metres_is_refused(tmp_path, wajak):
    path = write(tmp_path / "kec.geojson", collection(feature(kode="35.07.08")))

    with pytest.raises(CommandError, match="Toleransi dalam derajat"):
        run(path, "--level", "kecamatan", "--tolerance", "50")


# Simplification


@pytest.mark.parametrize("tolerance", [boundaries.DEFAULT_TOLERANCE, 0.001, 0.002])
def test_simplification_drops_vertices_within_tolerance(tolerance):
    original = shape(polygon(vertices=600, seed=7))

    simplified = boundaries.simplify_geometry([original], tolerance=tolerance)

    stored = shape(simplified)
    assert stored.is_valid
    assert vertices(simplified) < shapely.get_num_coordinates(original) / 2
    # Densified, so the middle of a long simplified edge is measured too, not only its ends.
    assert shapely.hausdorff_distance(original, stored, densify=0.05) <= tolerance * 1.01


def test_stored_geometry_is_plain_rounded_geojson(tmp_path, wajak):
    path = write(tmp_path / "kec.geojson", collection(feature(kode="35.07.08")))

    boundaries.import_boundaries(path, level="kecamatan")

    wajak.refresh_from_db()
    ring = wajak.boundary["coordinates"][0]
    assert all(type(point) is list and len(point) == 2 for point in ring)
    assert all(round(value, 5) == value for point in ring for value in point)
    assert ring[0] == ring[-1]
    assert shapely.is_ccw(shape(wajak.boundary).exterior)  # RFC 7946: exterior anticlockwise


def test_a_whole_kabupaten_stays_small(tmp_path, malang):
    """33 kecamatan of about 2000 vertices each: a few MB as surveyed, under 300 KB stored."""
    features = [
        feature(
            polygon(
                lon=112.3 + (i % 6) * 0.13,
                lat=-7.8 - (i // 6) * 0.13,
                radius=0.05,
                vertices=2000,
                seed=i,
            ),
            kode=code,
        )
        for i, code in enumerate(Kecamatan.objects.values_list("code", flat=True))
    ]
    path = write(tmp_path / "kabupaten.geojson", collection(*features))

    result = boundaries.import_boundaries(path, level="kecamatan")

    assert len(result.matched) == 33
    assert result.vertices_in == 33 * 2001
    assert result.vertices_out < result.vertices_in / 4
    assert path.stat().st_size > 2_000_000
    assert result.stored_bytes < 300 * 1024
    stored = Kecamatan.objects.values_list("boundary", flat=True)
    assert sum(len(json.dumps(boundary).encode()) for boundary in stored) == result.stored_bytes


# Writing


def test_dry_run_writes_nothing(tmp_path, wajak):
    path = write(tmp_path / "kec.geojson", collection(feature(kode="35.07.08")))

    output = run(path, "--level", "kecamatan", "--dry-run")

    assert "cocok: 1, tidak cocok: 0, ambigu: 0" in output
    assert "Uji coba: 1 batas kecamatan akan diperbarui; tidak ada yang disimpan." in output
    assert_nothing_stored()


def test_reimport_changes_nothing(tmp_path, wajak):
    path = write(tmp_path / "kec.geojson", collection(feature(kode="35.07.08")))
    first = boundaries.import_boundaries(path, level="kecamatan")
    wajak.refresh_from_db()
    stored = wajak.boundary

    second = boundaries.import_boundaries(path, level="kecamatan")

    assert first.updated == ["35.07.08"]
    assert second.matched == ["35.07.08"]
    assert second.updated == []
    assert second.stored_bytes == first.stored_bytes
    wajak.refresh_from_db()
    assert wajak.boundary == stored
    assert "0 batas kecamatan diperbarui." in run(path, "--level", "kecamatan")


def test_rows_missing_from_the_file_keep_their_boundary(tmp_path, wajak, pakis):
    write(tmp_path / "both.geojson", collection(feature(kode="35.07.08"), feature(nama="Pakis")))
    boundaries.import_boundaries(tmp_path / "both.geojson", level="kecamatan")
    pakis.refresh_from_db()
    before = pakis.boundary

    write(tmp_path / "wajak.geojson", collection(feature(polygon(seed=3), kode="35.07.08")))
    result = boundaries.import_boundaries(tmp_path / "wajak.geojson", level="kecamatan")

    assert result.updated == ["35.07.08"]
    pakis.refresh_from_db()
    assert pakis.boundary == before


def test_command_lists_at_most_twenty_unmatched(tmp_path, wajak):
    features = [feature(polygon(radius=0.05), nama=f"Nowhere {n}") for n in range(25)]
    path = write(tmp_path / "kec.geojson", collection(*features))

    output = run(path, "--level", "kecamatan")

    assert "cocok: 0, tidak cocok: 25, ambigu: 0" in output
    assert "Properti di berkas: nama (Nowhere 0)" in output
    assert "Nowhere 19 (" in output
    assert "Nowhere 20 (" not in output
    assert "... dan 5 lainnya" in output
    assert "Ukuran geometri: 0.0 KB" in output


# Issue 14: an import that cannot put a shape in the wrong place. Label points of the real
# kecamatan and desa of Kabupaten Malang (lon, lat), around which the tests draw made-up shapes.

PLACES = {
    "35.07.04": (112.715, -8.341),  # Sumbermanjing Wetan
    "35.07.07": (112.841, -8.043),  # Poncokusumo
    "35.07.08": (112.769, -8.121),  # Wajak
    "35.07.11": (112.438, -8.212),  # Kalipare
    "35.07.12": (112.494, -8.165),  # Sumberpucung
    "35.07.15": (112.681, -8.060),  # Tajinan
    "35.07.07.2001": (112.768, -8.091),  # Dawuhan
    "35.07.07.2002": (112.801, -8.097),  # Sumberejo
    "35.07.07.2003": (112.807, -8.073),  # Pandansari
    "35.07.07.2009": (112.738, -8.048),  # Ngebruk (Poncokusumo)
    "35.07.12.2004": (112.518, -8.153),  # Ngebruk (Sumberpucung)
    "35.07.15.2012": (112.635, -8.055),  # Tambakasri (Tajinan)
}


def kecamatan_shape(code, **kwargs) -> dict:
    lon, lat = PLACES[code]
    return polygon(lon=lon, lat=lat, radius=0.05, **kwargs)


def desa_shape(code, **kwargs) -> dict:
    lon, lat = PLACES[code]
    return polygon(lon=lon, lat=lat, radius=0.01, **kwargs)


def stored(code) -> dict | None:
    model = Desa if code.count(".") == 3 else Kecamatan
    return model.objects.get(code=code).boundary


# A file of the wrong level


def test_kecamatan_file_imported_as_desa_is_refused_by_its_codes(tmp_path, malang):
    path = write(
        tmp_path / "kec.geojson",
        collection(
            feature(kecamatan_shape("35.07.08"), kode="35.07.08", nama="Wajak"),
            feature(kecamatan_shape("35.07.11"), kode="350711", nama="Kalipare"),
        ),
    )

    with pytest.raises(CommandError) as error:
        run(path, "--level", "desa")

    message = str(error.value)
    assert "tampaknya berisi batas kecamatan, bukan desa" in message
    assert "2 dari 2 kode bertingkat kecamatan" in message
    assert "impor sebagai tingkat kecamatan" in message
    assert_nothing_stored()
    # The same file at its own level goes in.
    assert boundaries.import_boundaries(path, level="kecamatan").matched == ["35.07.08", "35.07.11"]


def test_kecamatan_file_without_codes_imported_as_desa_is_refused(tmp_path, malang):
    # Wajak, Kalipare, Pakis... are desa names too (the measured case matched 24 desa by name);
    # Pujon, Ngantang and Dau are not, and the shapes are kecamatan-sized.
    names = ["Wajak", "Kalipare", "Pujon", "Ngantang", "Dau"]
    path = write(
        tmp_path / "kec.geojson",
        collection(
            *[
                feature(polygon(lon=112.4 + 0.1 * n, lat=-8.1, radius=0.05, seed=n), nama=name)
                for n, name in enumerate(names)
            ]
        ),
    )

    with pytest.raises(boundaries.BoundaryError) as error:
        boundaries.import_boundaries(path, level="desa")

    message = str(error.value)
    assert "tampaknya berisi batas kecamatan, bukan desa" in message
    assert "5 nama fitur adalah nama kecamatan, 2 nama desa" in message
    assert "luas fitur umumnya" in message
    assert_nothing_stored()


def test_desa_file_imported_as_kecamatan_is_refused(tmp_path, malang):
    codes = ["35.07.07.2001", "35.07.07.2002", "35.07.07.2003", "35.07.07.2009"]
    names = ["Dawuhan", "Sumberejo", "Pandansari", "Ngebruk"]
    without_codes = collection(
        *[feature(desa_shape(code), WADMKD=name) for code, name in zip(codes, names, strict=True)]
    )
    with_codes = collection(*[feature(desa_shape(code), kode=code) for code in codes])

    with pytest.raises(boundaries.BoundaryError, match="berisi batas desa, bukan kecamatan") as e1:
        boundaries.import_boundaries(
            write(tmp_path / "a.geojson", without_codes), level="kecamatan"
        )
    with pytest.raises(boundaries.BoundaryError, match="4 dari 4 kode bertingkat desa"):
        boundaries.import_boundaries(write(tmp_path / "b.geojson", with_codes), level="kecamatan")

    assert "4 nama fitur adalah nama desa, 0 nama kecamatan" in str(e1.value)
    assert "impor sebagai tingkat desa" in str(e1.value)
    assert_nothing_stored()


def test_desa_only_import_is_accepted(tmp_path, malang):
    codes = ["35.07.07.2001", "35.07.07.2002", "35.07.07.2003"]
    path = write(
        tmp_path / "desa.geojson",
        collection(*[feature(desa_shape(code), kode=code) for code in codes]),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == codes
    assert not Kecamatan.objects.filter(boundary__isnull=False).exists()


# Desa matched by name only within their kecamatan


def test_shared_desa_name_is_matched_within_the_kecamatan_the_file_states(tmp_path, malang):
    path = write(
        tmp_path / "desa.geojson",
        collection(
            feature(desa_shape("35.07.07.2009"), NAMOBJ="Ngebruk", KEC_NAMA="Poncokusumo"),
            feature(desa_shape("35.07.12.2004"), NAMOBJ="Ngebruk", KEC_NAMA="Kec. Sumberpucung"),
        ),
    )

    # Without naming the property, a name alone cannot tell the two Ngebruk apart.
    without = boundaries.import_boundaries(path, level="desa", dry_run=True)
    assert without.matched == []
    assert [codes for _label, codes in without.ambiguous] == [
        ["35.07.07.2009", "35.07.12.2004"]
    ] * 2

    output = run(path, "--level", "desa", "--kecamatan-field", "kec_nama")

    assert "cocok: 2, tidak cocok: 0, ambigu: 0" in output
    assert "35.07.07.2009 Ngebruk: nama" in output
    poncokusumo = shape(stored("35.07.07.2009"))
    sumberpucung = shape(stored("35.07.12.2004"))
    assert poncokusumo.contains(shapely.Point(PLACES["35.07.07.2009"]))
    assert sumberpucung.contains(shapely.Point(PLACES["35.07.12.2004"]))


def test_desa_kecamatan_from_the_prefix_of_an_unknown_code(tmp_path, malang):
    # 35.07.07.2099 is no desa, but 35.07.07 is Poncokusumo: its Ngebruk is meant.
    path = write(
        tmp_path / "desa.geojson",
        collection(feature(desa_shape("35.07.07.2009"), kode="35.07.07.2099", nama="Ngebruk")),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == ["35.07.07.2009"]
    assert result.matches[0].how == ["nama"]
    assert stored("35.07.12.2004") is None


def test_desa_kecamatan_from_the_stored_kecamatan_boundary_it_lies_in(tmp_path, malang):
    kecamatan = write(
        tmp_path / "kec.geojson",
        collection(
            feature(kecamatan_shape("35.07.07"), kode="35.07.07"),
            feature(kecamatan_shape("35.07.12"), kode="35.07.12"),
        ),
    )
    boundaries.import_boundaries(kecamatan, level="kecamatan")
    desa = write(
        tmp_path / "desa.geojson",
        collection(feature(polygon(lon=112.5, lat=-8.16, radius=0.01), nama="NGEBRUK")),
    )

    result = boundaries.import_boundaries(desa, level="desa")

    assert result.matched == ["35.07.12.2004"]
    assert stored("35.07.07.2009") is None


def test_desa_of_unknown_kecamatan_is_only_proposed(tmp_path, malang):
    path = write(
        tmp_path / "desa.geojson",
        collection(feature(desa_shape("35.07.07.2001"), nama="Dawuhan")),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == []
    [proposal] = result.proposals
    assert (proposal.code, proposal.score, proposal.accepted) == ("35.07.07.2001", 1.0, False)
    assert "kecamatan desa di berkas tidak diketahui" in proposal.reason
    assert any("1 desa tanpa kecamatan yang diketahui" in note for note in result.notes)
    assert_nothing_stored()

    output = run(path, "--level", "desa", "--accept-proposals")

    assert "35.07.07.2001 Dawuhan: usulan diterima" in output
    assert stored("35.07.07.2001") is not None


def test_a_kecamatan_the_registry_does_not_hold_is_not_guessed_around(tmp_path, malang):
    path = write(
        tmp_path / "desa.geojson",
        collection(feature(desa_shape("35.07.07.2001"), nama="Dawuhan", kecamatan="Atlantis")),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == result.proposals == []
    assert result.unmatched == ["Dawuhan (desa.geojson, fitur 1)"]


# Close spellings are proposed, never applied silently


@pytest.mark.parametrize(
    ("level", "properties", "code", "score"),
    [
        ("desa", {"nama": "Ngebrug", "kecamatan": "Poncokusumo"}, "35.07.07.2009", 0.86),
        ("desa", {"nama": "Tambaksari", "kecamatan": "Tajinan"}, "35.07.15.2012", 0.9),
        ("kecamatan", {"nama": "Sumbermanjing"}, "35.07.04", 0.84),
    ],
)
def test_close_spelling_is_proposed_with_a_score(tmp_path, malang, level, properties, code, score):
    make = desa_shape if level == "desa" else kecamatan_shape
    path = write(tmp_path / "batas.geojson", collection(feature(make(code), **properties)))

    result = boundaries.import_boundaries(path, level=level)

    assert result.matched == []
    [proposal] = result.proposals
    assert proposal.code == code
    assert proposal.score == score
    assert proposal.feature_name == properties["nama"]
    assert not proposal.accepted
    assert stored(code) is None
    output = run(path, "--level", level)
    assert "usulan: 1" in output
    assert f"{code} {proposal.name} \u2190 {properties['nama']} (batas.geojson, fitur 1)" in output
    assert f"skor {score:.2f}" in output
    assert stored(code) is None


def test_a_proposal_is_applied_once_accepted(tmp_path, malang):
    path = write(
        tmp_path / "desa.geojson",
        collection(
            feature(desa_shape("35.07.07.2009"), nama="Ngebrug", kecamatan="Poncokusumo"),
            feature(desa_shape("35.07.15.2012"), nama="Tambaksari", kecamatan="Tajinan"),
        ),
    )

    # A name that is not the proposed feature's accepts nothing.
    wrong = boundaries.import_boundaries(path, level="desa", accept=["35.07.07.2009=Ngebruk"])
    assert wrong.matched == []
    assert any("Tidak ada usulan untuk 35.07.07.2009" in note for note in wrong.notes)

    output = run(path, "--level", "desa", "--accept", "35.07.07.2009=Ngebrug")

    assert "cocok: 1, tidak cocok: 0, ambigu: 0, usulan: 1, ditolak: 0" in output
    assert "35.07.07.2009 Ngebruk: usulan diterima" in output
    assert stored("35.07.07.2009") is not None
    assert stored("35.07.15.2012") is None


def test_a_name_far_from_every_row_is_not_proposed(tmp_path, malang):
    path = write(
        tmp_path / "desa.geojson",
        collection(feature(desa_shape("35.07.07.2009"), nama="Atlantis", kecamatan="Poncokusumo")),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.proposals == []
    assert result.unmatched == ["Atlantis (desa.geojson, fitur 1)"]


def test_an_unmatched_desa_is_named_by_its_own_name_not_its_kecamatan(tmp_path, malang):
    path = write(
        tmp_path / "desa.geojson",
        collection(feature(desa_shape("35.07.07.2009"), WADMKC="Poncokusumo", WADMKD="Atlantis")),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.unmatched == ["Atlantis (desa.geojson, fitur 1)"]


# Shapes far from where they belong


def test_a_shape_in_greenland_is_refused(tmp_path, malang):
    greenland = polygon(lon=-42.0, lat=72.0, radius=0.05)
    path = write(tmp_path / "kec.geojson", collection(feature(greenland, kode="35.07.08")))

    result = boundaries.import_boundaries(path, level="kecamatan")

    assert result.matched == []
    assert "terletak di luar wilayah Indonesia" in result.refused[0].reason
    assert_nothing_stored()


def test_a_shape_far_outside_the_stored_kecamatan_is_refused(tmp_path, malang):
    """All 33 kecamatan stored: they outline the kabupaten, and a shape 40 km out is refused."""
    codes = list(Kecamatan.objects.values_list("code", flat=True))
    grid = [
        feature(
            polygon(lon=112.3 + (i % 6) * 0.1, lat=-7.8 - (i // 6) * 0.1, radius=0.06, seed=i),
            kode=code,
        )
        for i, code in enumerate(codes)
    ]
    boundaries.import_boundaries(
        write(tmp_path / "kec.geojson", collection(*grid)), level="kecamatan"
    )
    wajak = stored("35.07.08")
    moved = polygon(lon=112.3, lat=-7.4, radius=0.05)  # 40 km north of the grid

    path = write(tmp_path / "again.geojson", collection(feature(moved, kode="35.07.08")))
    result = boundaries.import_boundaries(path, level="kecamatan")

    assert result.matched == []
    assert "km di luar Kabupaten Malang" in result.refused[0].reason
    assert stored("35.07.08") == wajak


def test_a_desa_with_a_part_far_outside_its_kecamatan_is_refused(tmp_path, malang):
    """The measured case: Poncokusumo's Ngebruk got a part 27 km away (Sumberpucung's)."""
    boundaries.import_boundaries(
        write(
            tmp_path / "kec.geojson",
            collection(feature(kecamatan_shape("35.07.07"), kode="35.07.07")),
        ),
        level="kecamatan",
    )
    parts = {
        "type": "MultiPolygon",
        "coordinates": [
            desa_shape("35.07.07.2009")["coordinates"],
            desa_shape("35.07.12.2004")["coordinates"],
        ],
    }
    path = write(tmp_path / "desa.geojson", collection(feature(parts, kode="35.07.07.2009")))

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == []
    reason = result.refused[0].reason
    assert "35.07.07.2009 Ngebruk" in reason
    assert "km di luar Kecamatan Poncokusumo" in reason
    assert stored("35.07.07.2009") is None


# Other code schemes


def test_bps_codes_are_matched_by_name_within_their_kecamatan(tmp_path, malang):
    # BPS numbers Poncokusumo 3507080 and Sumberpucung 3507130 (not Kemendagri's 07 and 12):
    # the code only groups desa of one kecamatan, whose names then settle which it is.
    entries = [
        ("3507080001", "Dawuhan", "35.07.07.2001"),
        ("id3507080002", "Sumberejo", "35.07.07.2002"),
        ("3507080003", "Pandansari", "35.07.07.2003"),
        ("3507080009", "Ngebruk", "35.07.07.2009"),
        ("3507130004", "Ngebruk", "35.07.12.2004"),
        ("3507130006", "Sumberpucung", "35.07.12.2006"),
        ("3507130002", "Senggreng", "35.07.12.2002"),
    ]
    path = write(
        tmp_path / "desa.geojson",
        collection(
            *[
                feature(
                    polygon(lon=112.5 + 0.02 * n, lat=-8.1, radius=0.01, seed=n),
                    KDEBPS=bps,
                    NAMOBJ=name,
                )
                for n, (bps, name, _code) in enumerate(entries)
            ]
        ),
    )

    result = boundaries.import_boundaries(path, level="desa")

    assert result.matched == sorted(code for _bps, _name, code in entries)
    assert {match.code: match.how for match in result.matches}["35.07.12.2004"] == ["nama"]
    assert any("tampaknya kode BPS" in note and "3507080001" in note for note in result.notes)
    output = run(path, "--level", "desa", "--dry-run")
    assert "tampaknya kode BPS" in output


def test_a_bps_code_is_not_read_as_a_kemendagri_code():
    assert boundaries.normalise_code("3507010008", "desa") is None
    assert boundaries.normalise_code("id3507082001", "desa") is None
    assert boundaries.normalise_code("3507082001", "desa") == "35.07.08.2001"


# The report


def test_unmatched_features_are_named_by_their_name_property(tmp_path, wajak):
    path = write(
        tmp_path / "kec.geojson",
        collection(feature(polygon(radius=0.05), NAMA_WILAYAH="Atlantis", OBJECTID=7)),
    )

    output = run(path, "--level", "kecamatan")

    assert "  - Atlantis (kec.geojson, fitur 1)" in output
    assert "Properti di berkas: NAMA_WILAYAH (Atlantis), OBJECTID (7)" in output


def test_report_says_how_each_area_matched(tmp_path, malang):
    path = write(
        tmp_path / "kec.geojson",
        collection(
            feature(kecamatan_shape("35.07.08"), kode="35.07.08", nama="Wajak"),
            feature(kecamatan_shape("35.07.11"), nama="KALIPARE"),
        ),
    )

    result = boundaries.import_boundaries(path, level="kecamatan", dry_run=True)

    assert [(m.code, m.how, m.indexes) for m in result.matches] == [
        ("35.07.08", ["kode"], [0]),
        ("35.07.11", ["nama"], [1]),
    ]
    output = run(path, "--level", "kecamatan")
    assert "35.07.08 Wajak: kode" in output
    assert "35.07.11 Kalipare: nama" in output


# Coverage: neighbours keep their shared edge


def _adjoining_pair(vertices=400):
    """Two desa side by side around Wajak, sharing a long rough edge, as a surveyed file has."""
    rng = np.random.default_rng(3)
    lat = np.linspace(-8.16, -8.08, vertices)
    lon = 112.76 + np.cumsum(rng.normal(0, 0.0003, vertices))
    edge = np.c_[lon, lat].tolist()
    west = [[112.70, -8.16], *edge, [112.70, -8.08], [112.70, -8.16]]
    east = [[112.83, -8.16], [112.83, -8.08], *reversed(edge), [112.83, -8.16]]
    return {"type": "Polygon", "coordinates": [west]}, {"type": "Polygon", "coordinates": [east]}


def test_adjoining_desa_keep_their_shared_edge(tmp_path, malang):
    west, east = _adjoining_pair()
    source = shapely.union_all([shape(west), shape(east)])
    path = write(
        tmp_path / "desa.geojson",
        collection(
            feature(west, kode="35.07.08.2012", nama="Wajak"),
            feature(east, kode="35.07.08.2011", nama="Sukoanyar"),
        ),
    )

    result = boundaries.import_boundaries(path, level="desa", tolerance=0.002)

    assert result.vertices_out < result.vertices_in / 4
    a, b = shape(stored("35.07.08.2012")), shape(stored("35.07.08.2011"))
    assert a.intersection(b).area == pytest.approx(0, abs=1e-12)  # no overlap
    union = shapely.union_all([a, b])
    assert isinstance(union, shapely.Polygon)
    assert not union.interiors  # no gap
    assert union.area == pytest.approx(a.area + b.area, rel=1e-9)
    assert union.symmetric_difference(source).area < 0.01 * source.area
    # Simplified one by one, the same two open gaps and overlaps: what the layer avoids.
    alone = [shape(boundaries.simplify_geometry([shape(g)], tolerance=0.002)) for g in (west, east)]
    assert alone[0].intersection(alone[1]).area > 1e-7
    assert shapely.union_all(alone).interiors


def test_a_shape_far_outside_the_stored_kabupaten_outline_is_refused(tmp_path, malang):
    outline = shapely.box(112.3, -8.45, 112.95, -7.75)  # around Kabupaten Malang
    Kabupaten.objects.filter(code="35.07").update(boundary=mapping(outline))
    inside = kecamatan_shape("35.07.08")
    outside = polygon(lon=113.3, lat=-8.1, radius=0.05)  # about 35 km east, near Lumajang
    path = write(
        tmp_path / "kec.geojson",
        collection(feature(inside, kode="35.07.08"), feature(outside, kode="35.07.11")),
    )

    result = boundaries.import_boundaries(path, level="kecamatan")

    assert result.matched == ["35.07.08"]
    [refusal] = result.refused
    assert refusal.code == "35.07.11"
    assert refusal.index == 1
    assert "km di luar Kabupaten Malang" in refusal.reason
    assert stored("35.07.11") is None
