"""Uploading boundaries in the browser (/peta/batas/): who may, what each bad file is told, and
GeoJSON, zipped Shapefile (UTM 49S), KML and GeoPackage uploads previewed and confirmed.

The polygons are made up here (circles around real places of Kabupaten Malang, e.g. Wajak near
lon 112.74, lat -8.11), written with pyogrio and projected with pyproj, as GIS software would.
"""

import io
import json
import os
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyproj import Geod, Transformer
from shapely.geometry import mapping, shape

from kimtracker.roles import MANAJER, PETUGAS, STAF
from tests.conftest import user_with_role
from villages.models import Desa, Kecamatan

URL = "/peta/batas/"
CONFIRM_URL = "/peta/batas/konfirmasi/"
# Approximate centres of real places (lon, lat), around which the test polygons are drawn.
WAJAK_KECAMATAN = (112.74, -8.11)
KALIPARE_KECAMATAN = (112.45, -8.19)
WAJAK_DESA = (112.735, -8.105)
SUKOLILO_DESA = (112.765, -8.085)
TO_UTM_49S = Transformer.from_crs("EPSG:4326", "EPSG:32749", always_xy=True)
GEOD = Geod(ellps="WGS84")


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.KIM_BOUNDARY_UPLOAD_DIR = tmp_path / "pending"
    return settings.KIM_BOUNDARY_UPLOAD_DIR


@pytest.fixture
def manager_client(client, db):
    client.force_login(user_with_role("manajer", MANAJER))
    return client


def circle(centre, radius=0.02) -> shapely.Polygon:
    """A 64-sided polygon around ``centre`` (lon, lat), radius in degrees."""
    return shapely.Point(centre).buffer(radius, quad_segs=16)


def to_utm(geometry):
    return shapely.transform(
        geometry, lambda xy: np.column_stack(TO_UTM_49S.transform(xy[:, 0], xy[:, 1]))
    )


def geojson(*features) -> bytes:
    """A FeatureCollection of (properties, shapely geometry) pairs."""
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": props, "geometry": mapping(geometry)}
                for props, geometry in features
            ],
        }
    ).encode()


def write_layer(path: Path, features, *, crs: str, driver: str, layer=None) -> Path:
    """Write (properties, geometry) pairs with GDAL through pyogrio, as QGIS would."""
    names = list(features[0][0])
    pyogrio.raw.write(
        path,
        np.array([shapely.to_wkb(geometry) for _props, geometry in features], dtype=object),
        [np.array([props[name] for props, _geometry in features], dtype=object) for name in names],
        fields=names,
        geometry_type="Polygon",
        crs=crs,
        driver=driver,
        layer=layer,
        append=layer is not None and path.exists(),
    )
    return path


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def shapefile_zip(tmp_path: Path, features, *, crs="EPSG:32749", leave_out=(), folder="") -> bytes:
    """The .shp, .shx, .dbf, .prj (and .cpg) of a layer, zipped; ``leave_out`` drops some."""
    out = tmp_path / "shp"
    out.mkdir(exist_ok=True)
    write_layer(out / "batas_desa.shp", features, crs=crs, driver="ESRI Shapefile")
    return zipped(
        {
            f"{folder}{file.name}": file.read_bytes()
            for file in sorted(out.iterdir())
            if file.suffix not in leave_out
        }
    )


def upload(client, content: bytes, name: str, level="kecamatan"):
    return client.post(URL, {"level": level, "file": SimpleUploadedFile(name, content)})


def field_errors(response) -> str:
    assert response.status_code == 200
    form = response.context["form"]
    return " ".join(form.errors.get("file", []))


def confirm(client, response):
    body = response.content.decode()
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    sha256 = re.search(r'name="sha256" value="([^"]+)"', body).group(1)
    return client.post(CONFIRM_URL, {"token": token, "sha256": sha256})


def stored(model, code):
    return shape(model.objects.get(code=code).boundary)


def metres_between(a: shapely.Point, b: shapely.Point) -> float:
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [STAF, PETUGAS])
def test_staff_and_officers_are_refused(client, db, role):
    client.force_login(user_with_role(role.lower(), role))
    assert client.get(URL).status_code == 403
    assert upload(client, geojson(), "a.geojson").status_code == 403
    assert client.post(CONFIRM_URL, {"token": "x", "sha256": "y"}).status_code == 403


def test_url_contract():
    assert reverse("boundary_upload") == URL


def test_manager_sees_the_form(manager_client):
    response = manager_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-boundary-form" in body
    assert 'accept=".geojson,.json,.zip,.kml,.kmz,.gpkg"' in body


def test_the_map_page_links_managers_to_the_upload(manager_client, client, db):
    assert URL in manager_client.get("/peta/").content.decode()
    client.force_login(user_with_role("staf", STAF))
    assert URL not in client.get("/peta/").content.decode()


# --- Bad files ----------------------------------------------------------------------------------


def test_wrong_extension(manager_client):
    message = field_errors(upload(manager_client, b"kode,nama\n", "batas.csv"))
    assert "batas.csv tidak dikenali" in message
    assert ".gpkg" in message


def test_too_large(manager_client, settings):
    settings.KIM_BOUNDARY_MAX_BYTES = 1000
    message = field_errors(upload(manager_client, b"{" + b" " * 2000 + b"}", "a.geojson"))
    assert "Berkas terlalu besar: paling besar 1000" in message


def test_empty_file(manager_client):
    assert field_errors(upload(manager_client, b"  \n", "a.geojson")) == "Berkas kosong."


def test_not_a_zip(manager_client):
    message = field_errors(upload(manager_client, b"not a zip at all", "batas.zip"))
    assert "bukan arsip zip yang sah" in message


def test_zip_bomb(manager_client, settings):
    settings.KIM_BOUNDARY_MAX_BYTES = 100_000
    # 2 MB of zeros compress to about 2 KB: 20 times the upload limit once unpacked.
    content = zipped({"a.shp": bytes(2_000_000), "a.shx": b"", "a.dbf": b"", "a.prj": b""})
    assert len(content) < 100_000
    message = field_errors(upload(manager_client, content, "bom.zip"))
    assert "terlalu besar setelah dibuka" in message


def test_too_many_files(manager_client):
    files = {f"lapisan{n}.txt": b"x" for n in range(40)}
    message = field_errors(upload(manager_client, zipped(files), "banyak.zip"))
    assert "Arsip zip berisi 40 berkas; paling banyak 30" in message


def test_zip_without_a_shapefile(manager_client):
    message = field_errors(upload(manager_client, zipped({"batas.geojson": b"{}"}), "a.zip"))
    assert "tidak berisi Shapefile (.shp)" in message


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        (".prj", "batas_desa.prj tidak ada di dalam zip"),
        (".dbf", "batas_desa.dbf tidak ada di dalam zip"),
        (".shx", "batas_desa.shx tidak ada di dalam zip"),
    ],
)
def test_shapefile_missing_a_part(manager_client, tmp_path, missing, expected):
    content = shapefile_zip(
        tmp_path, [({"nama": "Wajak"}, to_utm(circle(WAJAK_KECAMATAN)))], leave_out=(missing,)
    )
    message = field_errors(upload(manager_client, content, "batas.zip"))
    assert expected in message
    if missing == ".prj":
        assert "sistem koordinatnya tidak diketahui" in message


def test_two_shapefiles_in_one_zip(manager_client, tmp_path):
    first = zipfile.ZipFile(
        io.BytesIO(shapefile_zip(tmp_path, [({"nama": "A"}, circle(WAJAK_KECAMATAN))]))
    )
    files = {info.filename: first.read(info) for info in first.infolist()}
    files.update({name.replace("batas_desa", "kecamatan"): data for name, data in files.items()})
    message = field_errors(upload(manager_client, zipped(files), "dua.zip"))
    assert "beberapa Shapefile (batas_desa.shp, kecamatan.shp)" in message


def test_unknown_crs(manager_client, tmp_path):
    archive = zipfile.ZipFile(
        io.BytesIO(shapefile_zip(tmp_path, [({"nama": "A"}, circle(WAJAK_KECAMATAN))]))
    )
    files = {info.filename: archive.read(info) for info in archive.infolist()}
    files["batas_desa.prj"] = b'PROJCS["Buatan sendiri",GEOGCS["?"],UNIT["furlong",201]]'
    message = field_errors(upload(manager_client, zipped(files), "batas.zip"))
    assert "Sistem koordinat berkas Shapefile (zip) tidak" in message


def test_unreadable_geopackage(manager_client):
    message = field_errors(upload(manager_client, b"SQLite format 3\x00" + b"\x07" * 500, "a.gpkg"))
    assert "Berkas GeoPackage tidak dapat dibaca" in message


def test_geopackage_with_two_layers(manager_client, tmp_path):
    path = tmp_path / "dua.gpkg"
    write_layer(
        path,
        [({"nama": "A"}, circle(WAJAK_KECAMATAN))],
        crs="EPSG:4326",
        driver="GPKG",
        layer="kecamatan",
    )
    write_layer(
        path,
        [({"nama": "B"}, circle(WAJAK_DESA, 0.005))],
        crs="EPSG:4326",
        driver="GPKG",
        layer="desa",
    )
    message = field_errors(upload(manager_client, path.read_bytes(), "dua.gpkg"))
    assert (
        "beberapa lapisan (kecamatan, desa)" in message
        or "beberapa lapisan (desa, kecamatan)" in message
    )


def test_kml_of_points_only(manager_client, tmp_path):
    path = tmp_path / "titik.kml"
    pyogrio.raw.write(
        path,
        np.array([shapely.to_wkb(shapely.Point(WAJAK_KECAMATAN))], dtype=object),
        [np.array(["Wajak"], dtype=object)],
        fields=["Name"],
        geometry_type="Point",
        crs="EPSG:4326",
        driver="KML",
    )
    message = field_errors(upload(manager_client, path.read_bytes(), "titik.kml"))
    assert "tidak berisi satu pun poligon (1 fitur titik atau garis)" in message


def test_kml_with_a_network_link_is_refused(manager_client):
    kml = (
        b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        b"<NetworkLink><Link><href>http://10.0.0.1/batas.kml</href></Link></NetworkLink>"
        b"</Document></kml>"
    )
    message = field_errors(upload(manager_client, kml, "tautan.kml"))
    assert "berisi NetworkLink" in message


def test_geojson_that_is_not_json_gets_the_importers_message(manager_client, malang):
    message = field_errors(upload(manager_client, b"{not json", "batas.geojson"))
    assert "bukan JSON yang sah" in message
    assert not Kecamatan.objects.filter(boundary__isnull=False).exists()


# --- Preview and confirm ------------------------------------------------------------------------


def test_geojson_preview_then_confirm(manager_client, malang, upload_dir):
    wajak, kalipare = circle(WAJAK_KECAMATAN), circle(KALIPARE_KECAMATAN)
    content = geojson(
        ({"kode": "35.07.08", "nama": "Wajak"}, wajak),
        ({"kode": "35.07.11", "nama": "Kalipare"}, kalipare),
        ({"nama": "Atlantis"}, circle((112.6, -8.0), 0.01)),
    )
    response = upload(manager_client, content, "kecamatan.geojson")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Pratinjau batas wilayah" in body
    assert [row["code"] for row in response.context["matched"]] == ["35.07.08", "35.07.11"]
    statuses = {
        f["properties"]["label"].split(" (")[0]: f["properties"]["status"]
        for f in response.context["preview_data"]["features"]
    }
    assert statuses == {"Wajak": "matched", "Kalipare": "matched", "Atlantis": "unmatched"}
    assert 'id="boundary-preview-data"' in body
    assert "js/boundary-preview.js" in body
    assert "Atlantis" in body
    # Nothing written by the preview.
    assert not Kecamatan.objects.filter(boundary__isnull=False).exists()

    response = confirm(manager_client, response)
    assert response.status_code == 302
    assert response.url == reverse("map")
    assert stored(Kecamatan, "35.07.08").centroid.distance(wajak.centroid) < 0.001
    assert stored(Kecamatan, "35.07.11").centroid.distance(kalipare.centroid) < 0.001
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Batas 2 kecamatan disimpan dari kecamatan.geojson" in m for m in messages)
    # The pending file is gone; confirming again writes nothing and says so.
    assert not any(upload_dir.iterdir())


def test_the_preview_draws_the_stored_level_above(manager_client, malang):
    """Under desa, the stored kecamatan outlines; under kecamatan, the kabupaten's."""
    Kecamatan.objects.filter(code="35.07.08").update(
        boundary=mapping(circle(WAJAK_KECAMATAN, 0.05))
    )
    content = geojson(({"kode": "35.07.08.2012", "nama": "Wajak"}, circle(WAJAK_DESA, 0.008)))
    response = upload(manager_client, content, "desa.geojson", level="desa")
    stored_layer = response.context["preview_context"]
    assert stored_layer["label"] == "Batas kecamatan tersimpan"
    [outline] = stored_layer["data"]["features"]
    assert outline["geometry"]["type"] == "LineString"
    assert 'id="boundary-preview-context"' in response.content.decode()
    kecamatan = geojson(({"kode": "35.07.08", "nama": "Wajak"}, circle(WAJAK_KECAMATAN)))
    response = upload(manager_client, kecamatan, "kecamatan.geojson", level="kecamatan")
    assert response.context["preview_context"]["label"] == "Batas kabupaten tersimpan"
    assert response.context["preview_context"]["data"]["features"] == []  # none stored


def test_confirm_with_another_hash_writes_nothing(manager_client, malang):
    response = upload(
        manager_client, geojson(({"kode": "35.07.08"}, circle(WAJAK_KECAMATAN))), "a.geojson"
    )
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    response = manager_client.post(CONFIRM_URL, {"token": token, "sha256": "0" * 64}, follow=True)
    assert "tidak cocok dengan pratinjau" in response.content.decode()
    assert not Kecamatan.objects.filter(boundary__isnull=False).exists()


def test_nothing_matched_offers_no_confirmation(manager_client, malang, upload_dir):
    response = upload(
        manager_client, geojson(({"nama": "Atlantis"}, circle(WAJAK_KECAMATAN))), "a.geojson"
    )
    body = response.content.decode()
    assert "data-boundary-nothing" in body
    assert "data-boundary-confirm" not in body
    assert not any(upload_dir.iterdir())


def test_zipped_shapefile_in_utm_49s_lands_in_the_right_place(manager_client, malang, tmp_path):
    """A BIG/Bappeda style desa layer in UTM zone 49S (metres), zipped in a folder."""
    wajak, sukolilo = circle(WAJAK_DESA, 0.008), circle(SUKOLILO_DESA, 0.008)
    features = [
        ({"KDEPUM": "35.07.08.2012", "WADMKD": "Wajak", "WADMKC": "Wajak"}, to_utm(wajak)),
        ({"KDEPUM": "35.07.08.2009", "WADMKD": "Sukolilo", "WADMKC": "Wajak"}, to_utm(sukolilo)),
    ]
    assert to_utm(wajak).centroid.x > 600_000  # metres, not degrees
    content = shapefile_zip(tmp_path, features, folder="BATAS_DESA_WAJAK/")
    response = upload(manager_client, content, "batas_desa_wajak.zip", level="desa")
    body = response.content.decode()
    assert "EPSG:32749" in body
    assert "data-reprojected" in body
    assert [row["code"] for row in response.context["matched"]] == [
        "35.07.08.2009",
        "35.07.08.2012",
    ]

    assert confirm(manager_client, response).status_code == 302
    for code, original in (("35.07.08.2012", wajak), ("35.07.08.2009", sukolilo)):
        assert metres_between(stored(Desa, code).centroid, original.centroid) < 100


def test_kml_is_read(manager_client, malang, tmp_path):
    path = write_layer(
        tmp_path / "batas.kml",
        [
            ({"Name": "Kec. Wajak"}, circle(WAJAK_KECAMATAN)),
            ({"Name": "Kalipare"}, circle(KALIPARE_KECAMATAN)),
        ],
        crs="EPSG:4326",
        driver="LIBKML",
    )
    response = upload(manager_client, path.read_bytes(), "batas.kml")
    assert [row["code"] for row in response.context["matched"]] == ["35.07.08", "35.07.11"]
    assert response.context["converted"].source_format == "KML"


def test_kmz_is_read(manager_client, malang, tmp_path):
    path = write_layer(
        tmp_path / "doc.kml",
        [({"Name": "Wajak"}, circle(WAJAK_KECAMATAN))],
        crs="EPSG:4326",
        driver="LIBKML",
    )
    response = upload(manager_client, zipped({"doc.kml": path.read_bytes()}), "batas.kmz")
    assert [row["code"] for row in response.context["matched"]] == ["35.07.08"]


def test_geopackage_in_utm_is_read_and_confirmed(manager_client, malang, tmp_path):
    wajak = circle(WAJAK_KECAMATAN)
    path = write_layer(
        tmp_path / "kecamatan.gpkg",
        [({"kd_kec": "350708", "nama": "Wajak"}, to_utm(wajak))],
        crs="EPSG:32749",
        driver="GPKG",
    )
    response = upload(manager_client, path.read_bytes(), "kecamatan.gpkg")
    assert response.context["converted"].source_format == "GeoPackage"
    assert [row["code"] for row in response.context["matched"]] == ["35.07.08"]
    confirm(manager_client, response)
    assert metres_between(stored(Kecamatan, "35.07.08").centroid, wajak.centroid) < 100


def test_geojson_in_utm_is_reprojected(manager_client, malang):
    """ogr2ogr and QGIS write the CRS of a projected GeoJSON in its ``crs`` member."""
    wajak = circle(WAJAK_KECAMATAN)
    data = json.loads(geojson(({"kode": "35.07.08"}, to_utm(wajak))))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32749"}}
    response = upload(manager_client, json.dumps(data).encode(), "utm.geojson")
    assert [row["code"] for row in response.context["matched"]] == ["35.07.08"]
    confirm(manager_client, response)
    assert metres_between(stored(Kecamatan, "35.07.08").centroid, wajak.centroid) < 100


# --- What the importer proposes or refuses, on the preview ----------------------------------------

SUMBERMANJING_WETAN_KECAMATAN = (112.70, -8.30)


def test_a_close_spelling_is_proposed_and_stored_only_when_ticked(manager_client, malang):
    """ "Sumbermanjing" is not "Sumbermanjing Wetan": proposed with a score, stored only when the
    Manajer ticks it."""
    shapefile = circle(SUMBERMANJING_WETAN_KECAMATAN)
    content = geojson(
        ({"nama": "Wajak"}, circle(WAJAK_KECAMATAN)),
        ({"nama": "Sumbermanjing"}, shapefile),
    )
    response = upload(manager_client, content, "kecamatan.geojson")
    body = response.content.decode()
    assert "data-boundary-proposals" in body
    assert 'name="accept" value="35.07.04=Sumbermanjing"' in body
    [proposal] = response.context["proposals"]
    assert proposal["code"] == "35.07.04"
    assert 0.8 <= proposal["score"] < 1
    statuses = {
        f["properties"]["label"].split(" (")[0]: (
            f["properties"]["status"],
            f["properties"]["code"],
        )
        for f in response.context["preview_data"]["features"]
    }
    assert statuses == {
        "Wajak": ("matched", "35.07.08"),
        "Sumbermanjing": ("proposed", "35.07.04"),
    }
    assert [row["how"] for row in response.context["matched"]] == ["nama"]

    # Confirmed without ticking: only Wajak.
    confirm(manager_client, response)
    assert Kecamatan.objects.get(code="35.07.08").boundary is not None
    assert Kecamatan.objects.get(code="35.07.04").boundary is None

    # Again, ticked: Sumbermanjing Wetan gets the shape.
    response = upload(manager_client, content, "kecamatan.geojson")
    body = response.content.decode()
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    sha256 = re.search(r'name="sha256" value="([^"]+)"', body).group(1)
    manager_client.post(
        CONFIRM_URL, {"token": token, "sha256": sha256, "accept": "35.07.04=Sumbermanjing"}
    )
    assert stored(Kecamatan, "35.07.04").centroid.distance(shapefile.centroid) < 0.001


def test_code_and_name_that_disagree_are_refused_on_the_map(manager_client, malang):
    """Code 35.07.11 is Kalipare; a feature calling it "Wajak" is refused, never applied."""
    content = geojson(
        ({"kode": "35.07.11", "nama": "Wajak"}, circle(WAJAK_KECAMATAN)),
        ({"kode": "35.07.08", "nama": "Wajak"}, circle(WAJAK_KECAMATAN)),
    )
    response = upload(manager_client, content, "kecamatan.geojson")
    statuses = [
        (f["properties"]["status"], f["properties"]["code"])
        for f in response.context["preview_data"]["features"]
    ]
    assert statuses == [("refused", "35.07.11"), ("matched", "35.07.08")]
    [refused] = [entry for entry in response.context["lists"] if entry["key"] == "refused"]
    assert "Kalipare" in refused["items"][0]
    confirm(manager_client, response)
    assert Kecamatan.objects.get(code="35.07.11").boundary is None
    assert Kecamatan.objects.get(code="35.07.08").boundary is not None


def test_a_desa_file_uploaded_as_kecamatan_is_refused(manager_client, malang, tmp_path):
    features = [
        ({"KDEPUM": "35.07.08.2012", "WADMKD": "Wajak"}, to_utm(circle(WAJAK_DESA, 0.008))),
        ({"KDEPUM": "35.07.08.2009", "WADMKD": "Sukolilo"}, to_utm(circle(SUKOLILO_DESA, 0.008))),
    ]
    content = shapefile_zip(tmp_path, features)
    message = field_errors(upload(manager_client, content, "desa.zip", level="kecamatan"))
    assert "desa" in message
    assert not Kecamatan.objects.filter(boundary__isnull=False).exists()


@pytest.mark.parametrize("extension", [".geojson", ".json", ".zip", ".kml", ".kmz", ".gpkg"])
def test_garbage_and_truncated_files_get_a_message_never_a_500(manager_client, tmp_path, extension):
    rng = np.random.default_rng(14)
    candidates = [bytes(rng.integers(0, 256, 3000, dtype=np.uint8)), b"PK\x03\x04" + b"\x00" * 60]
    if extension == ".zip":
        whole = shapefile_zip(tmp_path, [({"nama": "Wajak"}, to_utm(circle(WAJAK_KECAMATAN)))])
        candidates.append(whole[: len(whole) // 2])
        archive = zipfile.ZipFile(io.BytesIO(whole))
        files = {info.filename: archive.read(info) for info in archive.infolist()}
        files["batas_desa.shp"] = files["batas_desa.shp"][:150]  # cut inside the first polygon
        candidates.append(zipped(files))
    if extension == ".gpkg":
        path = write_layer(
            tmp_path / "a.gpkg",
            [({"nama": "A"}, circle(WAJAK_KECAMATAN))],
            crs="EPSG:4326",
            driver="GPKG",
        )
        candidates.append(path.read_bytes()[:4096])
    for content in candidates:
        response = upload(manager_client, content, f"rusak{extension}")
        assert response.status_code == 200
        assert field_errors(response), content[:20]


def test_an_upload_left_waiting_for_a_day_is_removed(manager_client, malang, upload_dir):
    old = upload_dir / ("x" * 32)
    old.mkdir(parents=True)
    (old / "batas.geojson").write_text("{}")
    day_and_a_bit = time.time() - 25 * 3600
    os.utime(old, (day_and_a_bit, day_and_a_bit))
    recent = upload_dir / ("y" * 32)
    recent.mkdir()
    upload(manager_client, geojson(({"kode": "35.07.08"}, circle(WAJAK_KECAMATAN))), "a.geojson")
    assert not old.exists()
    assert recent.exists()
