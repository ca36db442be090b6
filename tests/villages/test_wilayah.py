"""load_wilayah: the bundled Kabupaten Malang fixture and the idn-area-data CSV format."""

import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.factories import KIMFactory
from villages.models import KIM, Desa, Kabupaten, Kecamatan, Provinsi

HEADERS = {
    "provinces": "code,name",
    "regencies": "code,province_code,name",
    "districts": "code,regency_code,name",
    "villages": "code,district_code,name",
}


def write_source(directory: Path, **rows: list[str]) -> Path:
    """A small source folder in the package's format; ``rows`` maps a file stem to its lines."""
    defaults = {
        "provinces": ["35,JAWA TIMUR", "36,BANTEN"],
        "regencies": [
            "35.07,35,KABUPATEN MALANG",
            "35.08,35,KABUPATEN LUMAJANG",
            "36.01,36,KABUPATEN PANDEGLANG",
        ],
        "districts": ["35.07.08,35.07,Wajak", "35.08.01,35.08,Tempursari", "36.01.01,36.01,Sumur"],
        "villages": [
            "35.07.08.2001,35.07.08,Sukoanyar",
            "35.07.08.1002,35.07.08,Wajak Kota",
            "35.08.01.2001,35.08.01,Pundungsari",
            "36.01.01.2001,36.01.01,Cigorondong",
        ],
    }
    defaults.update(rows)
    for stem, header in HEADERS.items():
        text = "\n".join([header, *defaults[stem]]) + "\n"
        (directory / f"{stem}.csv").write_text(text, encoding="utf-8")
    return directory


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("code", "name"))
        for model in (Provinsi, Kabupaten, Kecamatan, Desa)
    }


def load(*args):
    out = io.StringIO()
    call_command("load_wilayah", *args, stdout=out)
    return out.getvalue()


def test_bundled_fixture_is_kabupaten_malang(malang):
    assert Kabupaten.objects.get().code == "35.07"
    assert Kecamatan.objects.count() == 33
    assert Desa.objects.count() == 390
    assert Desa.objects.filter(kind="kelurahan").count() == 12
    assert Desa.objects.filter(kind="desa").count() == 378


@pytest.mark.parametrize(
    ("code", "name", "desa_count"),
    [
        ("35.07.08", "Wajak", 13),
        ("35.07.28", "Kasembon", 6),
        ("35.07.11", "Kalipare", 9),
        ("35.07.07", "Poncokusumo", 17),
        ("35.07.13", "Kepanjen", 18),
    ],
)
def test_kecamatan_codes_as_published(malang, code, name, desa_count):
    kecamatan = Kecamatan.objects.get(code=code)
    assert kecamatan.name == name
    assert kecamatan.desa.count() == desa_count


def test_desa_codes_and_kinds_as_published(malang):
    gubugklakah = Desa.objects.get(code="35.07.07.2016")
    assert (gubugklakah.name, gubugklakah.kecamatan.name, gubugklakah.kind) == (
        "Gubugklakah",
        "Poncokusumo",
        "desa",
    )
    kepanjen = Desa.objects.get(code="35.07.13.1010")
    assert (kepanjen.name, kepanjen.kind) == ("Kepanjen", "kelurahan")
    # Every kelurahan code has 1 as the first digit of its fourth segment, every desa 2.
    for code, kind in Desa.objects.values_list("code", "kind"):
        assert kind == ("kelurahan" if code.split(".")[3][0] == "1" else "desa")


def test_loading_twice_changes_nothing(malang):
    before = snapshot()
    ids = dict(Desa.objects.values_list("code", "id"))
    output = load()
    assert "desa: 0 baru, 0 diperbarui, 390 tetap" in output
    assert snapshot() == before
    assert dict(Desa.objects.values_list("code", "id")) == ids


def test_upsert_updates_renamed_rows_in_place(db, tmp_path):
    load("--source", str(write_source(tmp_path)), "--regency", "35.07")
    desa_id = Desa.objects.get(code="35.07.08.2001").id
    write_source(
        tmp_path,
        villages=["35.07.08.2001,35.07.08,Sukoanyar Baru", "35.07.08.1002,35.07.08,Wajak Kota"],
    )
    output = load("--source", str(tmp_path), "--regency", "35.07")
    assert "desa: 0 baru, 1 diperbarui, 1 tetap" in output
    renamed = Desa.objects.get(code="35.07.08.2001")
    assert (renamed.id, renamed.name) == (desa_id, "Sukoanyar Baru")


def test_source_regency_loads_only_that_regency(db, tmp_path):
    load("--source", str(write_source(tmp_path)), "--regency", "35.08")
    assert list(Kabupaten.objects.values_list("code", flat=True)) == ["35.08"]
    assert list(Desa.objects.values_list("code", flat=True)) == ["35.08.01.2001"]


def test_source_province_and_all(db, tmp_path):
    write_source(tmp_path)
    load("--source", str(tmp_path), "--province", "35")
    assert sorted(Kabupaten.objects.values_list("code", flat=True)) == ["35.07", "35.08"]
    assert Desa.objects.filter(kind="kelurahan").count() == 1
    load("--source", str(tmp_path), "--all")
    assert Provinsi.objects.count() == 2
    assert Desa.objects.count() == 4


def test_progress_line_on_long_loads(db, tmp_path, monkeypatch):
    from villages import wilayah

    monkeypatch.setattr(wilayah, "BATCH_SIZE", 2)
    output = load("--source", str(write_source(tmp_path)), "--all")
    assert "desa      [###############---------------]  50% 2 dari 4 ditulis" in output
    assert "desa      [##############################] 100% 4 dari 4 ditulis" in output


BROKEN_SOURCES = [
    (
        {"villages": ["35.07.08.2001,35.07.08,Sukoanyar", "35.07.08.20X2,35.07.08,Salah"]},
        "villages.csv baris 3: kode desa 35.07.08.20X2 tidak sah",
    ),
    ({"villages": ["35.07.08.2001,35.07.99,Sukoanyar"]}, "kode desa 35.07.08.2001 tidak sah"),
    ({"villages": ["35.07.08.2001,35.07.08,"]}, "villages.csv baris 2: nama kosong"),
    (
        {"villages": ["35.07.08.2001,35.07.08,Satu", "35.07.08.2001,35.07.08,Dua"]},
        "villages.csv baris 3: kode 35.07.08.2001 ganda",
    ),
    ({"villages": ["35.07.08.2001,35.07.08"]}, "villages.csv baris 2: harus 3 kolom"),
    (
        {"districts": ["35.07.08,35.07,Wajak"], "villages": ["35.07.09.2001,35.07.09,Talok"]},
        "kode induk 35.07.09 dari 35.07.09.2001 tidak dikenal",
    ),
]


@pytest.mark.parametrize(("rows", "message"), BROKEN_SOURCES)
def test_broken_source_is_refused_and_changes_nothing(malang, tmp_path, rows, message):
    # The broken source would also rename a desa that is already loaded: it must not.
    rows.setdefault("regencies", ["35.07,35,KABUPATEN MALANG DIGANTI"])
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        load("--source", str(write_source(tmp_path, **rows)), "--regency", "35.07")
    assert message in str(excinfo.value)
    assert "Tidak ada data yang diubah" in str(excinfo.value)
    assert snapshot() == before


def test_missing_file_wrong_header_and_bad_encoding(malang, tmp_path):
    before = snapshot()
    write_source(tmp_path)
    (tmp_path / "districts.csv").unlink()
    with pytest.raises(CommandError, match="districts.csv tidak ditemukan"):
        load("--source", str(tmp_path))

    write_source(tmp_path)
    (tmp_path / "villages.csv").write_text("kode,kecamatan,nama\n", encoding="utf-8")
    with pytest.raises(CommandError, match="kolom harus code,district_code,name"):
        load("--source", str(tmp_path))

    write_source(tmp_path)
    (tmp_path / "villages.csv").write_bytes(b"code,district_code,name\n\xff\xfe\x00bad\n")
    with pytest.raises(CommandError, match="bukan berkas teks UTF-8"):
        load("--source", str(tmp_path))

    with pytest.raises(CommandError, match="tidak ditemukan"):
        load("--source", str(tmp_path / "nowhere"))
    assert snapshot() == before


def test_bundled_fixture_only_knows_malang(db):
    with pytest.raises(CommandError, match="hanya berisi Kabupaten Malang"):
        load("--regency", "35.08")
    assert not Desa.objects.exists()


def test_failure_while_writing_leaves_nothing_half_loaded(db, tmp_path, monkeypatch):
    from django.db import DatabaseError

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Desa.objects, "bulk_create", fail)
    with pytest.raises(DatabaseError):
        load("--source", str(write_source(tmp_path)), "--all")
    assert not Kecamatan.objects.exists()
    assert not Provinsi.objects.exists()


# The names idn-area-data 4.0.1 changed in Kabupaten Malang, as read from the 3.1.2 and 4.0.1
# packages: {code: (3.1.2 name, 4.0.1 name)}. Every code is the same in both releases.
RENAMED_IN_4_0_1 = {
    "35": ("JAWA TIMUR", "Jawa Timur"),
    "35.07": ("KABUPATEN MALANG", "Kabupaten Malang"),
    "35.07.02.2001": ("Sumbermanjingkulon", "Sumbermanjing Kulon"),
    "35.07.05.2006": ("Amandanom", "Amadanom"),
    "35.07.09.2005": ("Gedogkulon", "Gedok Kulon"),
    "35.07.09.2006": ("Gedogwetan", "Gedok Wetan"),
    "35.07.12.2004": ("Ngebrug", "Ngebruk"),
    "35.07.15.2012": ("Tambaksari", "Tambakasri"),
    "35.07.16.2015": ("Duwet Kerajan", "Duwet Krajan"),
    "35.07.18.2014": ("Bunutwetan", "Bunut Wetan"),
    "35.07.19.2003": ("Gelanggang", "Glanggang"),
    "35.07.24.2007": ("Langlang", "Lang-Lang"),
    "35.07.26.2003": ("Pujonkidul", "Pujon Kidul"),
}
LEVEL_OF_CODE = {2: "provinsi", 5: "kabupaten", 8: "kecamatan", 13: "desa"}


def previous_release(directory: Path) -> Path:
    """The bundled fixture as idn-area-data 3.1.2 had it: same layout and codes, old names."""
    for stem in HEADERS:
        lines = (settings.WILAYAH_FIXTURE_DIR / f"{stem}.csv").read_text(encoding="utf-8")
        lines = lines.splitlines()
        for i, line in enumerate(lines[1:], start=1):
            code, *middle, name = line.split(",")
            if code in RENAMED_IN_4_0_1:
                assert name == RENAMED_IN_4_0_1[code][1], line
                lines[i] = ",".join([code, *middle, RENAMED_IN_4_0_1[code][0]])
        (directory / f"{stem}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def test_bundled_fixture_is_idn_area_data_4_0_1(malang):
    for stem, header in HEADERS.items():
        first = (settings.WILAYAH_FIXTURE_DIR / f"{stem}.csv").read_text(encoding="utf-8")
        assert first.splitlines()[0] == header
    names = {
        **dict(Provinsi.objects.values_list("code", "name")),
        **dict(Kabupaten.objects.values_list("code", "name")),
        **dict(Desa.objects.values_list("code", "name")),
    }
    for code, (_old, new) in RENAMED_IN_4_0_1.items():
        assert names[code] == new
    readme = (settings.WILAYAH_FIXTURE_DIR / "README.md").read_text(encoding="utf-8")
    assert "version 4.0.1" in readme
    for code, (old, new) in RENAMED_IN_4_0_1.items():
        assert re.search(rf"\| {re.escape(code)}( \(\w[\w ]*\))? \| {old} \| {new} \|", readme)
    licence = (settings.WILAYAH_FIXTURE_DIR / "LICENSE.md").read_text(encoding="utf-8")
    assert "Open Database License" in licence


def test_new_release_renames_in_place_reports_each_and_keeps_kim(db, tmp_path):
    """An office on the 3.1.2 names loads the 4.0.1 bundle: each rename is listed with its code,
    the rows keep their ids, and the KIM and boundaries entered stay on their desa."""
    load("--source", str(previous_release(tmp_path)), "--regency", "35.07")
    assert Desa.objects.get(code="35.07.02.2001").name == "Sumbermanjingkulon"
    ids = dict(Desa.objects.values_list("code", "id"))
    square = {
        "type": "Polygon",
        "coordinates": [
            [[112.6, -8.3], [112.7, -8.3], [112.7, -8.2], [112.6, -8.2], [112.6, -8.3]]
        ],
    }
    Desa.objects.filter(code="35.07.05.2006").update(boundary=square)
    kims = {
        code: KIMFactory(desa=Desa.objects.get(code=code), name=f"KIM {name}").pk
        for code, name in [
            ("35.07.02.2001", "Sumber Kulon"),
            ("35.07.05.2006", "Amandanom Raya"),
            ("35.07.12.2004", "Ngebrug Sejahtera"),
        ]
    }

    output = load()

    assert "desa: 0 baru, 11 diperbarui, 379 tetap" in output
    assert "kecamatan: 0 baru, 0 diperbarui, 33 tetap" in output
    assert "Nama berubah, kode tetap (13 wilayah" in output
    for code, (old, new) in RENAMED_IN_4_0_1.items():
        assert f"  {LEVEL_OF_CODE[len(code)]} {code}: {old} -> {new}\n" in output
    assert output.count(" -> ") == 13
    assert dict(Desa.objects.values_list("code", "id")) == ids
    assert Desa.objects.get(code="35.07.05.2006").boundary == square
    for code, pk in kims.items():
        kim = KIM.objects.get(pk=pk)
        assert kim.desa.code == code
        assert kim.desa.name == RENAMED_IN_4_0_1[code][1]
    # What the office typed is kept, even where it spelled the old name.
    assert KIM.objects.get(pk=kims["35.07.05.2006"]).name == "KIM Amandanom Raya"

    again = load()
    assert "desa: 0 baru, 0 diperbarui, 390 tetap" in again
    assert "Nama berubah" not in again


def test_only_renamed_areas_are_listed(db, tmp_path):
    load("--source", str(write_source(tmp_path)), "--all")
    write_source(
        tmp_path,
        districts=["35.07.08,35.07,Wajak", "35.08.01,35.08,Tempursari", "36.01.01,36.01,Sumur"],
        regencies=[
            "35.07,35,KABUPATEN MALANG",
            "35.08,35,KABUPATEN LUMAJANG",
            "36.01,36,Kabupaten Pandeglang",
        ],
    )
    output = load("--source", str(tmp_path), "--all")
    assert "kabupaten 36.01: KABUPATEN PANDEGLANG -> Kabupaten Pandeglang" in output
    assert output.count(" -> ") == 1


# The public boundaries the bundled map is made from (shared/data/boundaries-cahyadsn, MIT):
# SQL rows ``('kode','nama',lat,lng,'path')`` of ``INSERT INTO wilayah_boundaries(...)``.
BOUNDARIES_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "boundaries-cahyadsn"
BOUNDARY_ROW = re.compile(
    r"\(\s*'((?:[^'\\]|\\.|'')*)'\s*,\s*'((?:[^'\\]|\\.|'')*)'\s*,\s*-?[\d.]+\s*,\s*-?[\d.]+\s*,\s*'"
)


def boundary_rows(filename: str) -> dict[str, str]:
    path = BOUNDARIES_DIR / filename
    if not path.is_file():
        pytest.skip(f"{path} is not here (it lives beside the repository, in shared/data)")
    text = path.read_text(encoding="utf-8")
    assert "INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES" in text
    rows = {}
    for code, name in BOUNDARY_ROW.findall(text):
        assert code not in rows, code
        rows[code] = name.replace("\\'", "'").replace("''", "'")
    return rows


def fixture_rows(stem: str) -> dict[str, str]:
    lines = (settings.WILAYAH_FIXTURE_DIR / f"{stem}.csv").read_text(encoding="utf-8").splitlines()
    return {line.split(",")[0]: line.split(",")[-1] for line in lines[1:]}


def test_boundaries_and_wilayah_agree_on_every_code():
    """Every desa and kecamatan code of the wilayah fixture is in the boundary source, and every
    code there is in the fixture; the names differ only where known (spelling of two desa)."""
    desa = fixture_rows("villages")
    kecamatan = fixture_rows("districts")
    boundary_desa = boundary_rows("wilayah_boundaries_kel_35.07.sql")
    boundary_kecamatan = {
        code: name
        for code, name in boundary_rows("wilayah_boundaries_kec_35.sql").items()
        if code.startswith("35.07.")
    }
    assert len(desa) == len(boundary_desa) == 390
    assert set(boundary_desa) == set(desa)
    assert {code[:8] for code in boundary_desa} == set(kecamatan)
    assert set(boundary_kecamatan) == set(kecamatan)
    assert boundary_kecamatan == kecamatan
    differences = {
        code: (name, boundary_desa[code])
        for code, name in desa.items()
        if boundary_desa[code] != name
    }
    assert differences == {
        "35.07.09.2005": ("Gedok Kulon", "Gedog Kulon"),
        "35.07.09.2006": ("Gedok Wetan", "Gedog Wetan"),
    }


def test_an_area_gone_from_the_source_is_kept_and_listed(db, tmp_path):
    """idn-area-data 4.0.1 dropped 117 desa codes elsewhere in Indonesia: loading it over an older
    release keeps those desa (and their KIM) and lists them; areas outside the scope are not."""
    load("--source", str(write_source(tmp_path)), "--all")
    kim = KIMFactory(desa=Desa.objects.get(code="35.07.08.1002"), name="KIM Wajak Kota")
    write_source(
        tmp_path,
        villages=[
            "35.07.08.2001,35.07.08,Sukoanyar",
            "35.08.01.2001,35.08.01,Pundungsari",
            "36.01.01.2001,36.01.01,Cigorondong",
        ],
    )
    regency = load("--source", str(tmp_path), "--regency", "35.08")
    assert "Tidak ada lagi di sumber" not in regency

    output = load("--source", str(tmp_path), "--regency", "35.07")
    assert "Tidak ada lagi di sumber, tetap disimpan (1 wilayah" in output
    assert "  desa 35.07.08.1002: Wajak Kota\n" in output
    kim.refresh_from_db()
    assert kim.desa.code == "35.07.08.1002"
    assert Desa.objects.count() == 4


@pytest.mark.parametrize(
    ("filename", "stem"),
    [("desa.geojson", "villages"), ("kecamatan.geojson", "districts"), ("kabupaten.geojson", None)],
)
def test_bundled_boundaries_have_exactly_the_wilayah_codes(filename, stem):
    """The bundled map (fixtures/boundaries-35.07, made from the source above) draws one shape per
    code of the wilayah fixture, and no other."""
    path = Path(settings.BASE_DIR) / "fixtures" / "boundaries-35.07" / filename
    if not path.is_file():
        pytest.skip(f"{path} is not built yet (scripts/build_boundaries.py)")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    codes = [feature["properties"]["code"] for feature in features]
    expected = set(fixture_rows(stem)) if stem else {"35.07"}
    assert len(codes) == len(set(codes))
    assert set(codes) == expected
