"""load_wilayah: the bundled Kabupaten Malang fixture and the idn-area-data CSV format."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from villages.models import Desa, Kabupaten, Kecamatan, Provinsi

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
