"""Bulk import (``villages.importing``, ``manage.py import_kim``, ``/kim/impor/``): the dry run
reports every row, the import writes all or nothing through the services, re-imports change
nothing, and files that cannot be imported are refused with a clear message."""

import base64
import datetime
import io

import openpyxl
import pytest
import tablib
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from villages.fields import KIM_DETAIL_FIELDS
from villages.import_views import SESSION_KEY
from villages.importing import kim as importer
from villages.models import KIM, KIMStatusChange

from ..conftest import limit_to
from ..factories import DesaFactory, KecamatanFactory, KIMFactory

D = datetime.date
REQUIRED = ["kode_desa", "nama_kim", "tanggal_pembentukan"]


def csv_bytes(rows: list[dict], headers=None) -> bytes:
    """A CSV as a spreadsheet program saves it, built with tablib."""
    headers = headers or list(rows[0])
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append([row.get(h, "") for h in headers])
    return dataset.export("csv").encode("utf-8")


def xlsx_bytes(rows: list[list], headers=None) -> bytes:
    """An XLSX with real cell types (dates, numbers), built with openpyxl."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers or REQUIRED)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def history_count() -> int:
    return KIM.history.model.objects.count()


def counts(*args) -> importer.ImportCounts:
    return importer.ImportCounts(*args)


@pytest.fixture
def desa(db):
    return DesaFactory(name="Sumberputih")


@pytest.fixture
def existing(desa, user):
    """Two KIM already registered in ``desa``."""
    return (
        KIMFactory(desa=desa, name="KIM Maju", member_count=10, by=user),
        KIMFactory(desa=desa, name="KIM Jaya", formed_on=D(2020, 1, 15), by=user),
    )


# --- Columns and the template ---------------------------------------------------------------


def test_columns_cover_the_fields_the_services_take():
    fields = [column.field for column in importer.COLUMNS.values()]
    assert fields == ["desa", "name", "formed_on", *KIM_DETAIL_FIELDS]
    assert [h for h, c in importer.COLUMNS.items() if c.required] == REQUIRED


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_template_download_has_the_columns_and_reimports(officer_client, user, malang, file_format):
    response = officer_client.get(
        reverse("villages:kim_import_template", kwargs={"format": file_format})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == importer.CONTENT_TYPES[file_format]
    assert f'filename="templat-impor-kim.{file_format}"' in response["Content-Disposition"]
    if file_format == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")
        dataset = tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")
    else:
        dataset = tablib.Dataset().load(io.BytesIO(response.content), format="xlsx")
    assert dataset.headers == list(importer.COLUMNS)
    assert dataset[0][0] == "35.07.08.2001"

    rows = importer.read_file(response.content, filename=f"templat.{file_format}")
    assert importer.run(rows, by=user, filename="templat") == counts(1, 0, 0)
    kim = KIM.objects.get()
    assert (kim.desa.code, kim.desa.name) == ("35.07.08.2001", "Sumberputih")
    assert kim.name.startswith("CONTOH")
    assert kim.chair_phone == "+6281234567890"
    assert kim.member_count == 15


def test_unknown_template_format_is_refused(officer_client):
    response = officer_client.get("/kim/impor/templat.pdf")
    assert response.status_code == 400
    assert "Format pdf tidak tersedia" in response.content.decode()


# --- Create, update, unchanged --------------------------------------------------------------


def test_csv_creates_updates_and_leaves_unchanged(user, desa, existing):
    maju, jaya = existing
    content = csv_bytes(
        [
            {
                "kode_desa": desa.code,
                "nama_kim": "KIM Baru",
                "tanggal_pembentukan": "2023-06-15",
                "telepon_ketua": "0812-3456-7890",
                "jumlah_anggota": "12",
                "situs_web": "kimbaru.example.org",
            },
            # Same name ignoring case: the existing KIM is updated, not renamed.
            {
                "kode_desa": desa.code,
                "nama_kim": "kim maju",
                "tanggal_pembentukan": "15/01/2020",
                "jumlah_anggota": "20",
            },
            {"kode_desa": desa.code, "nama_kim": "KIM Jaya", "tanggal_pembentukan": "2020-01-15"},
        ],
        headers=[*REQUIRED, "telepon_ketua", "jumlah_anggota", "situs_web"],
    )
    rows = importer.read_file(content, filename="kim.csv")
    assert [row.number for row in rows] == [2, 3, 4]

    plan = importer.plan(rows, by=user)
    assert [o.action for o in plan.outcomes] == ["create", "update", "unchanged"]
    assert plan.outcomes[1].changed == ["jumlah_anggota"]
    assert (plan.outcomes[1].kim_id, plan.outcomes[2].kim_id) == (maju.pk, jaya.pk)
    assert KIM.objects.count() == 2  # the dry run wrote nothing

    before = history_count()
    assert importer.run(plan, by=user, filename="kim.csv") == counts(1, 1, 0 + 1)
    new = KIM.objects.get(name="KIM Baru")
    assert (new.formed_on, new.chair_phone, new.member_count, new.website) == (
        D(2023, 6, 15),
        "+6281234567890",
        12,
        "https://kimbaru.example.org",
    )
    assert new.status_changes.count() == 1  # the service opened its timeline
    maju.refresh_from_db()
    assert (maju.name, maju.member_count) == ("KIM Maju", 20)
    assert history_count() == before + 2
    for kim in (new, maju):
        record = kim.history.first()
        assert (record.history_user, record.history_change_reason) == (user, "Impor berkas kim.csv")


def test_xlsx_reads_real_dates_and_numbers(user, desa, existing):
    content = xlsx_bytes(
        [
            # A spreadsheet cell holds a naive date-time.
            [desa.code, "KIM Baru", datetime.datetime(2023, 6, 15), 81234567890, 12, D(2023, 7, 1)],  # noqa: DTZ001
            [desa.code, "KIM MAJU", "15/01/2020", "", 25.0, None],
            [desa.code, "KIM Jaya", D(2020, 1, 15), None, None, None],
        ],
        headers=[*REQUIRED, "telepon_ketua", "jumlah_anggota", "tanggal_sk"],
    )
    rows = importer.read_file(content, filename="kim.xlsx")
    plan = importer.plan(rows, by=user)
    assert [o.action for o in plan.outcomes] == ["create", "update", "unchanged"], plan.errors
    assert importer.run(rows, by=user, filename="kim.xlsx") == counts(1, 1, 1)
    new = KIM.objects.get(name="KIM Baru")
    # A phone typed as a number lost its leading zero; the importer puts it back.
    assert (new.formed_on, new.chair_phone, new.member_count, new.sk_date) == (
        D(2023, 6, 15),
        "+6281234567890",
        12,
        D(2023, 7, 1),
    )
    assert KIM.objects.get(name="KIM Maju").member_count == 25


def test_reimporting_the_same_file_changes_nothing(user, desa, existing):
    content = csv_bytes(
        [
            {
                "kode_desa": desa.code,
                "nama_kim": "KIM Baru",
                "tanggal_pembentukan": "2023-06-15",
                "telepon_ketua": "081234567890",
                "email": "kim@example.org",
            },
            {
                "kode_desa": desa.code,
                "nama_kim": "KIM Maju",
                "tanggal_pembentukan": "2020-01-15",
                "telepon_ketua": "+62 812 3456 7891",
                "nomor_sk": "188/1/2020",
            },
        ]
    )
    first = importer.run(importer.read_file(content, filename="a.csv"), by=user, filename="a.csv")
    assert first == counts(1, 1, 0)
    kims, history, timeline = KIM.objects.count(), history_count(), KIMStatusChange.objects.count()
    versions = list(KIM.objects.order_by("pk").values_list("version", flat=True))

    second = importer.run(importer.read_file(content, filename="a.csv"), by=user, filename="a.csv")
    assert second == counts(0, 0, 2)
    assert (KIM.objects.count(), history_count(), KIMStatusChange.objects.count()) == (
        kims,
        history,
        timeline,
    )
    assert list(KIM.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_empty_cells_never_erase(user, desa, existing):
    maju, _jaya = existing
    content = csv_bytes(
        [
            {
                "kode_desa": desa.code,
                "nama_kim": "KIM Maju",
                "tanggal_pembentukan": "2020-01-15",
                "jumlah_anggota": "",
            }
        ]
    )
    plan = importer.plan(importer.read_file(content, filename="a.csv"), by=user)
    assert [o.action for o in plan.outcomes] == ["unchanged"]
    maju.refresh_from_db()
    assert maju.member_count == 10


def test_one_bad_row_and_nothing_is_written(user, desa, existing):
    maju, _jaya = existing
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    content = csv_bytes(
        [
            {"kode_desa": desa.code, "nama_kim": "KIM Baru", "tanggal_pembentukan": "2023-06-15"},
            {
                "kode_desa": desa.code,
                "nama_kim": "KIM Maju",
                "tanggal_pembentukan": "2020-01-15",
                "jumlah_anggota": "20",
            },
            {
                "kode_desa": desa.code,
                "nama_kim": "KIM Esok",
                "tanggal_pembentukan": tomorrow.isoformat(),
            },
        ],
        headers=[*REQUIRED, "jumlah_anggota"],
    )
    before = (KIM.objects.count(), history_count(), KIMStatusChange.objects.count())
    rows = importer.read_file(content, filename="a.csv")
    with pytest.raises(importer.ImportRefused) as refused:
        importer.run(rows, by=user, filename="a.csv")
    assert "tidak ada yang ditulis" in refused.value.message
    assert [(row, column) for row, column, _m in refused.value.plan.errors] == [
        (4, "tanggal_pembentukan")
    ]
    assert (KIM.objects.count(), history_count(), KIMStatusChange.objects.count()) == before
    maju.refresh_from_db()
    assert maju.member_count == 10


# --- Refused files --------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
GOOD_CSV = b"kode_desa,nama_kim,tanggal_pembentukan\n35.07.08.2001,KIM A,2023-01-01\n"


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("logo.png", PNG, "bukan CSV atau XLSX"),
        ("data.pdf", b"%PDF-1.4\n", "bukan CSV atau XLSX"),
        ("data", GOOD_CSV, "bukan CSV atau XLSX"),
        ("data.csv", PNG, "tidak sesuai dengan ekstensinya .csv"),
        ("data.csv", b"PK\x03\x04rest", "tidak sesuai dengan ekstensinya .csv"),
        ("data.xlsx", GOOD_CSV, "tidak sesuai dengan ekstensinya .xlsx"),
        ("data.xlsx", b"PK\x03\x04 not really a zip", "XLSX rusak"),
        ("data.csv", b"", "Berkas kosong."),
        ("data.csv", b"\xef\xbb\xbf\r\n\r\n", "Berkas kosong."),
        ("data.csv", b"kode_desa,nama_kim,tanggal_pembentukan\r\n", "hanya berisi judul kolom"),
        ("data.csv", b"kode_desa,nama_kim,tanggal_pembentukan\n,,\n", "hanya berisi judul kolom"),
        ("data.xlsx", xlsx_bytes([]), "hanya berisi judul kolom"),
        (
            "data.csv",
            b"kode_desa,nama_kim,tanggal_pembentukan\n35.07.08.2001,KIM Caf\xe9,2023-01-01\n",
            "UTF-8",
        ),
        (
            "data.csv",
            b"kode_desa,nama_kim,tanggal_pembentukan,warna\n1,2,3,4\n",
            "Kolom tidak dikenal: warna.",
        ),
        ("data.csv", b"kode_desa,nama_kim\n1,2\n", "Kolom wajib tidak ada: tanggal_pembentukan."),
        (
            "data.xlsx",
            xlsx_bytes([[1, 2]], headers=["Kode_Desa", "Nama"]),
            "Kolom tidak dikenal: Nama. Kolom wajib tidak ada: nama_kim, tanggal_pembentukan.",
        ),
        (
            "data.csv",
            b"kode_desa,nama_kim,tanggal_pembentukan,NAMA_KIM\n1,2,3,4\n",
            "Kolom ganda: nama_kim.",
        ),
        (
            "data.csv",
            b"kode_desa,nama_kim,tanggal_pembentukan\n1,2,3,4\n",
            "Baris 2 berisi data di kolom ke-4",
        ),
    ],
)
def test_files_that_cannot_be_imported_are_refused(filename, content, expected):
    with pytest.raises(importer.ImportRefused) as refused:
        importer.read_file(content, filename=filename)
    assert expected in refused.value.message
    assert refused.value.plan is None


def test_too_large_files_are_refused(settings):
    settings.KIM_IMPORT_MAX_BYTES = 50
    with pytest.raises(importer.ImportRefused, match="terlalu besar"):
        importer.read_file(GOOD_CSV + b"35.07.08.2001,KIM B,2023-01-01\n", filename="a.csv")

    settings.KIM_IMPORT_MAX_BYTES = 10_000
    settings.KIM_IMPORT_MAX_ROWS = 2
    three = GOOD_CSV + b"35.07.08.2001,KIM B,2023-01-01\n35.07.08.2001,KIM C,2023-01-01\n"
    assert len(importer.read_file(three[: three.rindex(b"35")], filename="a.csv")) == 2
    with pytest.raises(importer.ImportRefused, match="lebih dari 2 baris data"):
        importer.read_file(three, filename="a.csv")


def test_headers_ignore_case_and_spaces_and_semicolons_work(user, desa):
    content = (
        f" Kode_Desa ;NAMA_KIM;Tanggal_Pembentukan\r\n{desa.code};KIM Titik Koma;01/02/2023\r\n"
    ).encode("utf-8-sig")
    rows = importer.read_file(io.BytesIO(content), filename="DATA.CSV")
    assert importer.run(rows, by=user, filename="DATA.CSV") == counts(1, 0, 0)
    assert KIM.objects.get().formed_on == D(2023, 2, 1)


def test_reads_a_path(tmp_path, desa):
    path = tmp_path / "kim.csv"
    path.write_bytes(
        csv_bytes([{"kode_desa": desa.code, "nama_kim": "A", "tanggal_pembentukan": "2023-01-01"}])
    )
    assert [row.number for row in importer.read_file(path, filename=path.name)] == [2]
    with pytest.raises(importer.ImportRefused, match="tidak dapat dibuka"):
        importer.read_file(tmp_path / "missing.csv", filename="missing.csv")


# --- Errors by row and column ---------------------------------------------------------------


def test_errors_name_their_row_and_column(user, desa, existing):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    headers = [*REQUIRED, "jumlah_anggota", "email", "situs_web", "telepon_ketua"]
    lines = [
        ",".join(headers),
        "35.07.99.9999,KIM Hilang,2023-01-01,,,,",  # 2
        f"{desa.code},,2023-01-01,,,,",  # 3
        f"{desa.code},KIM Esok,{tomorrow},,,,",  # 4
        f"{desa.code},KIM Kemarin,kemarin,,,,",  # 5
        "",  # 6: a blank row keeps the numbering of the rows below it
        f"{desa.code},KIM Kecil,2023-01-01,2,,,",  # 7
        f"{desa.code},KIM Besar,2023-01-01,31,,,",  # 8
        f"{desa.code},KIM Huruf,2023-01-01,dua belas,,,",  # 9
        f"{desa.code},KIM Kembar,2023-01-01,,,,",  # 10
        f"{desa.code},kim kembar,2023-01-01,,,,",  # 11
        f"{desa.code},KIM Surel,2023-01-01,,bukan-surel,,",  # 12
        f"{desa.code},KIM Situs,2023-01-01,,,bukan url,",  # 13
        f"{desa.code},KIM Telepon,2023-01-01,,,,12345",  # 14
        f"{desa.code},KIM Maju,2020-01-15,,,,",  # 15: an existing KIM is an update, no error
        ",KIM Tanpa Desa,,,,,",  # 16
    ]
    rows = importer.read_file("\n".join(lines).encode(), filename="a.csv")
    plan = importer.plan(rows, by=user)
    by_row = {}
    for row, column, message in plan.errors:
        by_row.setdefault(row, []).append((column, message))
    columns = {row: [column for column, _m in errors] for row, errors in by_row.items()}
    assert columns == {
        2: ["kode_desa"],
        3: ["nama_kim"],
        4: ["tanggal_pembentukan"],
        5: ["tanggal_pembentukan"],
        7: ["jumlah_anggota"],
        8: ["jumlah_anggota"],
        9: ["jumlah_anggota"],
        11: ["nama_kim"],
        12: ["email"],
        13: ["situs_web"],
        14: ["telepon_ketua"],
        16: ["kode_desa", "tanggal_pembentukan"],
    }
    assert "35.07.99.9999 tidak dikenal" in by_row[2][0][1]
    assert "wajib diisi" in by_row[3][0][1]
    assert "masa depan" in by_row[4][0][1]
    assert "tidak dikenali" in by_row[5][0][1]
    assert "antara 3 dan 30" in by_row[7][0][1]
    assert "bilangan bulat" in by_row[9][0][1]
    assert "baris 10" in by_row[11][0][1]
    outcome = {o.number: o for o in plan.outcomes}
    assert (outcome[10].action, outcome[15].action) == ("create", "unchanged")
    assert plan.counts == importer.ImportCounts(created=1, updated=0, unchanged=1, errors=12)
    assert KIM.objects.count() == 2


def test_officer_of_another_kecamatan_gets_row_errors(user, desa):
    elsewhere = DesaFactory(kecamatan=KecamatanFactory(name="Kasembon"))
    limit_to(user, elsewhere.kecamatan.code)
    content = csv_bytes(
        [
            {"kode_desa": desa.code, "nama_kim": "KIM Luar", "tanggal_pembentukan": "2023-01-01"},
            {
                "kode_desa": elsewhere.code,
                "nama_kim": "KIM Dalam",
                "tanggal_pembentukan": "2023-01-01",
            },
        ]
    )
    plan = importer.plan(importer.read_file(content, filename="a.csv"), by=user)
    assert [o.action for o in plan.outcomes] == ["error", "create"]
    ((row, column, message),) = plan.errors
    assert (row, column) == (2, "kode_desa")
    assert "di luar wilayah kerja Anda" in message
    with pytest.raises(importer.ImportRefused):
        importer.run(plan, by=user, filename="a.csv")
    assert not KIM.objects.exists()


def test_importing_needs_the_import_permission(staf, desa):
    rows = importer.read_file(GOOD_CSV, filename="a.csv")
    with pytest.raises(PermissionDenied):
        importer.plan(rows, by=staf)
    with pytest.raises(PermissionDenied):
        importer.run(rows, by=staf, filename="a.csv")


# --- The command ----------------------------------------------------------------------------


@pytest.fixture
def kim_file(tmp_path, desa):
    path = tmp_path / "kim.csv"
    path.write_bytes(
        csv_bytes(
            [
                {"kode_desa": desa.code, "nama_kim": "KIM A", "tanggal_pembentukan": "2023-01-01"},
                {"kode_desa": desa.code, "nama_kim": "KIM B", "tanggal_pembentukan": "2023-02-01"},
            ]
        )
    )
    return path


def test_command_dry_run_then_import(user, kim_file):
    out = io.StringIO()
    call_command("import_kim", str(kim_file), "--user", "petugas", "--dry-run", stdout=out)
    assert "Uji coba: 2 KIM baru, 0 diperbarui, 0 tidak berubah" in out.getvalue()
    assert not KIM.objects.exists()

    out = io.StringIO()
    call_command("import_kim", str(kim_file), "--user", "petugas", stdout=out)
    assert "2 KIM baru, 0 diperbarui, 0 tidak berubah" in out.getvalue()
    assert KIM.objects.count() == 2
    assert KIM.objects.first().history.first().history_change_reason == "Impor berkas kim.csv"

    out = io.StringIO()
    call_command("import_kim", str(kim_file), "--user", "petugas", stdout=out)
    assert "0 KIM baru, 0 diperbarui, 2 tidak berubah" in out.getvalue()


@pytest.mark.parametrize("dry_run", [True, False])
def test_command_lists_errors_and_writes_nothing(user, desa, tmp_path, dry_run):
    path = tmp_path / "salah.csv"
    path.write_bytes(
        csv_bytes(
            [
                {"kode_desa": desa.code, "nama_kim": "KIM A", "tanggal_pembentukan": "2023-01-01"},
                {"kode_desa": desa.code, "nama_kim": "KIM B", "tanggal_pembentukan": "besok"},
            ]
        )
    )
    err = io.StringIO()
    args = ["import_kim", str(path), "--user", "petugas"] + (["--dry-run"] if dry_run else [])
    with pytest.raises(CommandError, match="Tidak ada yang ditulis"):
        call_command(*args, stdout=io.StringIO(), stderr=err)
    assert "baris 3, kolom tanggal_pembentukan: Tanggal besok tidak dikenali" in err.getvalue()
    assert not KIM.objects.exists()


def test_command_refuses_bad_files_and_users(user, staf, kim_file, tmp_path):
    with pytest.raises(CommandError, match="tidak ada"):
        call_command("import_kim", str(kim_file), "--user", "siapa")
    with pytest.raises(CommandError, match="tidak berhak"):
        call_command("import_kim", str(kim_file), "--user", "staf")
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="Berkas kosong. Tidak ada yang ditulis."):
        call_command("import_kim", str(empty), "--user", "petugas")


# --- The pages ------------------------------------------------------------------------------


def upload(content: bytes, name: str = "kim.csv") -> dict:
    return {"file": SimpleUploadedFile(name, content)}


def test_staf_may_not_import(staff_client, desa):
    assert staff_client.get(reverse("villages:kim_import")).status_code == 403
    response = staff_client.post(reverse("villages:kim_import"), upload(GOOD_CSV))
    assert response.status_code == 403
    response = staff_client.post(
        reverse("villages:kim_import_confirm"), {"token": "x", "sha256": "y"}
    )
    assert response.status_code == 403
    template_url = reverse("villages:kim_import_template", kwargs={"format": "csv"})
    assert staff_client.get(template_url).status_code == 403
    assert not KIM.objects.exists()


def test_import_needs_a_login(client):
    response = client.get(reverse("villages:kim_import"))
    assert response.status_code == 302
    assert response.url.startswith("/akun/masuk/")


def test_upload_preview_confirm(officer_client, user, desa, existing):
    page = officer_client.get(reverse("villages:kim_import")).content.decode()
    assert 'accept=".csv,.xlsx"' in page
    assert 'enctype="multipart/form-data"' in page
    assert "/kim/impor/templat.xlsx" in page
    assert "/kim/impor/templat.csv" in page

    content = xlsx_bytes(
        [
            [desa.code, "KIM Baru", D(2023, 6, 15), 12],
            [desa.code, "KIM Maju", D(2020, 1, 15), 20],
            [desa.code, "KIM Jaya", D(2020, 1, 15), None],
        ],
        headers=[*REQUIRED, "jumlah_anggota"],
    )
    response = officer_client.post(reverse("villages:kim_import"), upload(content, "kim.xlsx"))
    assert response.status_code == 200
    assert [(o.number, o.action) for o in response.context["plan"].outcomes] == [
        (2, "create"),
        (3, "update"),
        (4, "unchanged"),
    ]
    html = response.content.decode()
    assert 'data-import-row="2" data-action="create"' in html
    assert "data-import-confirm" in html
    assert "table-danger" not in html
    assert KIM.objects.count() == 2

    pending = response.context["pending"]
    response = officer_client.post(reverse("villages:kim_import_confirm"), pending, follow=True)
    assert response.redirect_chain == [(reverse("villages:kim_list"), 302)]
    assert "Impor selesai: 1 KIM baru, 1 diperbarui, 1 tidak berubah." in response.content.decode()
    assert KIM.objects.count() == 3
    assert KIM.objects.get(name="KIM Baru").history.first().history_change_reason == (
        "Impor berkas kim.xlsx"
    )
    assert SESSION_KEY not in officer_client.session

    # Confirming the same preview twice does not import twice.
    response = officer_client.post(reverse("villages:kim_import_confirm"), pending, follow=True)
    assert "tidak cocok dengan pratinjau" in response.content.decode()
    assert KIM.objects.count() == 3


def test_preview_shows_errors_in_red_without_a_confirm_button(officer_client, desa):
    content = csv_bytes(
        [
            {"kode_desa": desa.code, "nama_kim": "KIM A", "tanggal_pembentukan": "2023-01-01"},
            {
                "kode_desa": "35.07.99.9999",
                "nama_kim": "KIM B",
                "tanggal_pembentukan": "2023-01-01",
            },
        ]
    )
    response = officer_client.post(reverse("villages:kim_import"), upload(content))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="table-danger" data-import-row="3" data-action="error"' in html
    assert "<code>kode_desa</code>" in html
    assert "35.07.99.9999 tidak dikenal" in html
    assert "data-import-confirm" not in html
    assert "data-import-refused" in html
    assert SESSION_KEY not in officer_client.session


def test_refused_upload_is_an_error_on_the_form(officer_client):
    response = officer_client.post(reverse("villages:kim_import"), upload(PNG, "logo.png"))
    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith("Berkas logo.png bukan CSV")
    response = officer_client.post(reverse("villages:kim_import"), upload(b"", "kosong.csv"))
    assert response.context["form"].errors["file"]


def test_upload_too_large_is_refused(officer_client, settings):
    settings.KIM_IMPORT_MAX_BYTES = 20
    response = officer_client.post(reverse("villages:kim_import"), upload(GOOD_CSV))
    assert "terlalu besar" in response.context["form"].errors["file"][0]


@pytest.mark.parametrize("tamper", ["token", "sha256", "content"])
def test_tampered_confirmation_writes_nothing(officer_client, desa, tamper):
    content = csv_bytes(
        [{"kode_desa": desa.code, "nama_kim": "KIM A", "tanggal_pembentukan": "2023-01-01"}]
    )
    response = officer_client.post(reverse("villages:kim_import"), upload(content))
    pending = dict(response.context["pending"])
    if tamper == "content":
        session = officer_client.session
        other = content.replace(b"KIM A", b"KIM Z")
        session[SESSION_KEY] = {**session[SESSION_KEY], "content": base64.b64encode(other).decode()}
        session.save()
    else:
        # Change the last two characters, to something they are not.
        tail = "00" if not pending[tamper].endswith("00") else "11"
        pending[tamper] = pending[tamper][:-2] + tail
    response = officer_client.post(reverse("villages:kim_import_confirm"), pending, follow=True)
    assert response.redirect_chain == [(reverse("villages:kim_import"), 302)]
    assert "tidak cocok dengan pratinjau" in response.content.decode()
    assert not KIM.objects.exists()


def test_confirm_after_the_registry_changed_shows_the_new_errors(officer_client, user, desa):
    content = csv_bytes(
        [
            {"kode_desa": desa.code, "nama_kim": "KIM A", "tanggal_pembentukan": "2023-01-01"},
            {"kode_desa": desa.code, "nama_kim": "KIM B", "tanggal_pembentukan": "2023-01-01"},
        ]
    )
    response = officer_client.post(reverse("villages:kim_import"), upload(content))
    # Meanwhile someone assigns the officer elsewhere.
    limit_to(user, KecamatanFactory().code)
    response = officer_client.post(
        reverse("villages:kim_import_confirm"), response.context["pending"]
    )
    assert response.status_code == 200
    assert "2 baris berisi kesalahan; tidak ada yang ditulis." in response.content.decode()
    assert not KIM.objects.exists()


# --- Whatever the file holds ----------------------------------------------------------------

FUZZ = hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.builds(lambda tail: GOOD_CSV + tail, st.binary(max_size=100)),
        st.builds(lambda tail: b"PK\x03\x04" + tail, st.binary(max_size=200)),
    ),
    extension=st.sampled_from([".csv", ".xlsx", ".CSV"]),
)
def test_any_bytes_are_read_or_refused(user, desa, content, extension):
    before = KIM.objects.count()
    try:
        rows = importer.read_file(content, filename="acak" + extension)
    except importer.ImportRefused as exc:
        assert exc.message  # noqa: PT017 (refusing is an allowed outcome)
        return
    plan = importer.plan(rows, by=user)
    assert len(plan.outcomes) == len(rows)
    assert KIM.objects.count() == before


CELL = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 1, 1)),
    st.sampled_from(["2023-06-15", "15/06/2023", "081234567890", "a@example.org", "KIM Acak"]),
)


@FUZZ
@given(
    headers=st.lists(st.sampled_from(list(importer.COLUMNS)), min_size=1, max_size=8, unique=True),
    cells=st.lists(st.lists(CELL, min_size=8, max_size=8), min_size=1, max_size=4),
    use_desa=st.booleans(),
    as_xlsx=st.booleans(),
)
def test_any_cells_are_planned_or_refused(user, desa, headers, cells, use_desa, as_xlsx):
    rows = [row[: len(headers)] for row in cells]
    if use_desa and "kode_desa" in headers:
        for row in rows:
            row[headers.index("kode_desa")] = desa.code
    if as_xlsx:
        content, filename = xlsx_bytes(rows, headers=headers), "acak.xlsx"
    else:
        dataset = tablib.Dataset(headers=headers)
        for row in rows:
            dataset.append(["" if value is None else value for value in row])
        content, filename = dataset.export("csv").encode("utf-8"), "acak.csv"
    before = (KIM.objects.count(), history_count())
    try:
        source_rows = importer.read_file(content, filename=filename)
    except importer.ImportRefused as exc:
        assert exc.message  # noqa: PT017 (refusing is an allowed outcome)
        return
    plan = importer.plan(source_rows, by=user)
    assert {o.action for o in plan.outcomes} <= {"create", "error"}
    assert all(o.errors for o in plan.outcomes if o.action == "error")
    assert (KIM.objects.count(), history_count()) == before


def test_loose_fields_in_an_import(user, desa):
    """Issue 13, finding 6: an over-long address is refused in its row; Arabic-Indic digits in
    a phone number are read as ASCII."""
    content = csv_bytes(
        [
            {
                "kode_desa": desa.code,
                "nama_kim": "KIM Panjang",
                "tanggal_pembentukan": "2023-06-15",
                "alamat": "x" * 501,
                "telepon_ketua": "",
            },
            {
                "kode_desa": desa.code,
                "nama_kim": "KIM Arab",
                "tanggal_pembentukan": "2023-06-15",
                "alamat": "",
                "telepon_ketua": "+62٨١٢٣٤٥٦٧٨٩٠",
            },
        ]
    )
    plan = importer.plan(importer.read_file(content, filename="kim.csv"), by=user)
    assert [o.action for o in plan.outcomes] == ["error", "create"]
    assert [column for column, _m in plan.outcomes[0].errors] == ["alamat"]
    assert "500" in plan.outcomes[0].errors[0][1]
    assert not KIM.objects.exists()


def test_dates_nobody_can_mean_in_an_import(user, desa):
    """Issue 13, finding 3: a formation date of 0001-01-01 is refused in its row."""
    content = csv_bytes(
        [{"kode_desa": desa.code, "nama_kim": "KIM Kuno", "tanggal_pembentukan": "0001-01-01"}]
    )
    plan = importer.plan(importer.read_file(content, filename="kim.csv"), by=user)
    ((column, message),) = plan.outcomes[0].errors
    assert (column, "terlalu awal" in message) == ("tanggal_pembentukan", True)
    assert not KIM.objects.exists()


def test_look_alike_names_in_an_import(user, desa):
    """Issue 13, finding 5: the same name with a zero-width space, a no-break space, a double
    space or in fullwidth letters is the KIM already there; a mixed-script name is refused."""
    kim = KIMFactory(desa=desa, name="KIM Sumberputih", formed_on=D(2023, 1, 1), by=user)
    names = [
        "KIM Sumberputih\u200b",
        "KIM\u00a0Sumberputih",
        "KIM  Sumberputih",
        "ＫＩＭ Sumberputih",
        "\ufeffKIM Sumberputih",
    ]
    rows = [
        {"kode_desa": desa.code, "nama_kim": name, "tanggal_pembentukan": "2023-01-01"}
        for name in names
    ]
    plan = importer.plan(importer.read_file(csv_bytes(rows), filename="kim.csv"), by=user)
    # The first is the KIM already there, the others the same name again in the file.
    assert [o.action for o in plan.outcomes] == ["unchanged"] + ["error"] * 4, plan.errors
    assert all("sudah ada di baris 2" in o.errors[0][1] for o in plan.outcomes[1:])
    rows = [{"kode_desa": desa.code, "nama_kim": "KІM Sumberputih", "tanggal_pembentukan": ""}]
    rows[0]["tanggal_pembentukan"] = "2023-01-01"
    plan = importer.plan(importer.read_file(csv_bytes(rows), filename="kim.csv"), by=user)
    ((column, message),) = plan.outcomes[0].errors
    assert (column, "mencampur huruf" in message) == ("nama_kim", True)
    assert list(KIM.objects.values_list("pk", flat=True)) == [kim.pk]


def test_a_sheets_used_range_does_not_drive_the_work(user, desa, monkeypatch):
    """Issue 13, finding 9: a blank (formatted) cell at column XFD on every row, and one in the
    sheet's last row, make the used range 16,384 columns by 1,048,576 rows; reading the file
    looks at its cells, not its range. The work is counted, not timed: every cell value the
    reader looks at goes through ``files.is_blank`` (filling each row to XFD looked at 16
    million)."""
    from villages.importing import files

    looked_at = 0
    is_blank = files.is_blank

    def counting(value):
        nonlocal looked_at
        looked_at += 1
        return is_blank(value)

    monkeypatch.setattr(files, "is_blank", counting)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(REQUIRED)
    for i in range(1000):
        sheet.append([desa.code, f"KIM {i:04d}", "2023-06-15"])
        sheet.cell(row=sheet.max_row, column=16384, value="").number_format = "@"
    sheet.cell(row=1_048_576, column=1, value=" ")
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = importer.read_file(buffer.getvalue(), filename="kim.xlsx")
    assert looked_at < 10 * 1001  # the 3 cells and the blank one of each row, a few times
    assert len(rows) == 1000
    assert rows[0].number == 2
    assert rows[0].cells == {
        "kode_desa": desa.code,
        "nama_kim": "KIM 0000",
        "tanggal_pembentukan": "2023-06-15",
    }
