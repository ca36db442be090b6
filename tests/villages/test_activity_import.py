"""Bulk import of KIM activities (``villages.importing.activity``, ``manage.py
import_activities``, ``/kim/kegiatan/impor/``): the same rules as the KIM import: a dry run with
errors by row and column, all or nothing, re-imports that change nothing, refused files."""

import datetime
import io

import openpyxl
import pytest
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from villages import services
from villages.choices import ActivityKind
from villages.import_views import ACTIVITY_IMPORT, SESSION_KEY
from villages.importing import activity, files
from villages.importing import kim as kim_importer
from villages.importing.plan import ImportCounts, ImportRefused
from villages.models import KIMActivity

from ..conftest import limit_to
from ..factories import DesaFactory, KecamatanFactory, KIMFactory

D = datetime.date
HEADERS = ["kode_desa", "nama_kim", "tanggal_kegiatan", "jenis_kegiatan", "uraian", "tautan"]


def csv_bytes(rows: list[list], headers=None) -> bytes:
    """A CSV as a spreadsheet program saves it, built with tablib."""
    dataset = tablib.Dataset(headers=headers or HEADERS)
    for row in rows:
        dataset.append(["" if value is None else value for value in row])
    return dataset.export("csv").encode("utf-8")


def xlsx_bytes(rows: list[list], headers=None) -> bytes:
    """An XLSX with real cell types (dates, numbers), built with openpyxl."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def history_count() -> int:
    return KIMActivity.history.model.objects.count()


@pytest.fixture
def desa(db):
    return DesaFactory(name="Sumberputih")


@pytest.fixture
def kim(desa, user):
    return KIMFactory(desa=desa, name="KIM Maju", formed_on=D(2020, 1, 15), by=user)


# --- Columns and kinds ----------------------------------------------------------------------


def test_columns():
    assert list(activity.COLUMNS) == HEADERS
    assert [h for h, c in activity.COLUMNS.items() if c.required] == HEADERS[:5]
    assert [c.field for c in activity.COLUMNS.values()] == [
        "desa",
        "kim",
        "occurred_on",
        "kind",
        "description",
        "link",
    ]


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("diskusi", "diskusi"),
        ("Diskusi", "diskusi"),
        (" DISKUSI ", "diskusi"),
        ("Pelatihan/bimtek", "pelatihan"),
        ("bimtek", "pelatihan"),
        ("Bimtek", "pelatihan"),
        ("akses_informasi", "akses_informasi"),
        ("Akses informasi", "akses_informasi"),
        ("akses-informasi", "akses_informasi"),
        ("Jejaring", "jejaring"),
        (" JEJARING ", "jejaring"),
        ("Diseminasi", "diseminasi"),
    ],
)
def test_kind_is_the_value_or_the_label(typed, kind):
    assert files.cell_choice(typed, ActivityKind) == kind


def test_unknown_kind_lists_the_allowed_values():
    with pytest.raises(ValidationError) as error:
        files.cell_choice("rapat", ActivityKind)
    (message,) = error.value.messages
    assert message.startswith("rapat tidak dikenal")
    assert ", ".join(ActivityKind.values) in message


# --- Create and unchanged -------------------------------------------------------------------


def test_csv_creates_then_reimport_changes_nothing(user, desa, kim):
    content = csv_bytes(
        [
            [desa.code, "kim maju", "2023-06-15", "Diskusi", "Diskusi warga", "kim.example.org/a"],
            [desa.code, "KIM Maju", "16/06/2023", "bimtek", "Bimtek jurnalistik", ""],
        ]
    )
    rows = activity.read_file(content, filename="kegiatan.csv")
    plan = activity.plan(rows, by=user)
    assert [(o.number, o.action) for o in plan.outcomes] == [(2, "create"), (3, "create")]
    assert {o.kim_id for o in plan.outcomes} == {kim.pk}
    assert plan.outcomes[0].detail == "2023-06-15 · Diskusi · Diskusi warga"
    assert not KIMActivity.objects.exists()  # the dry run wrote nothing

    assert activity.run(plan, by=user, filename="kegiatan.csv") == ImportCounts(2, 0, 0)
    first, second = KIMActivity.objects.order_by("occurred_on")
    assert (first.kim, first.occurred_on, first.kind, first.description, first.link) == (
        kim,
        D(2023, 6, 15),
        "diskusi",
        "Diskusi warga",
        "https://kim.example.org/a",
    )
    assert (second.kind, second.link, second.recorded_by) == ("pelatihan", "", user)
    assert first.history.first().history_user == user

    before = (KIMActivity.objects.count(), history_count())
    again = activity.run(activity.read_file(content, filename="a.csv"), by=user, filename="a.csv")
    assert again == ImportCounts(0, 0, 2)
    assert (KIMActivity.objects.count(), history_count()) == before


def test_xlsx_reads_real_dates(user, desa, kim):
    services.record_activity(
        kim=kim, occurred_on=D(2023, 1, 10), kind="diseminasi", description="Lama", by=user
    )
    content = xlsx_bytes(
        [
            # A spreadsheet cell holds a naive date-time.
            [desa.code, "KIM MAJU", datetime.datetime(2023, 6, 15), "jejaring", "Baru", None],  # noqa: DTZ001
            [desa.code, "KIM Maju", D(2023, 1, 10), "Diseminasi", "Lama", None],
        ]
    )
    rows = activity.read_file(content, filename="kegiatan.xlsx")
    plan = activity.plan(rows, by=user)
    assert [o.action for o in plan.outcomes] == ["create", "unchanged"], plan.errors
    assert activity.run(rows, by=user, filename="kegiatan.xlsx") == ImportCounts(1, 0, 1)
    assert KIMActivity.objects.filter(kind="jejaring", occurred_on=D(2023, 6, 15)).exists()
    assert KIMActivity.objects.count() == 2


def test_one_bad_row_and_nothing_is_written(user, desa, kim):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    content = csv_bytes(
        [
            [desa.code, "KIM Maju", "2023-06-15", "diskusi", "Satu", ""],
            [desa.code, "KIM Maju", "2023-06-16", "diskusi", "Dua", ""],
            [desa.code, "KIM Maju", tomorrow.isoformat(), "diskusi", "Esok", ""],
        ]
    )
    rows = activity.read_file(content, filename="a.csv")
    with pytest.raises(ImportRefused) as refused:
        activity.run(rows, by=user, filename="a.csv")
    assert "tidak ada yang ditulis" in refused.value.message
    assert [(row, column) for row, column, _m in refused.value.plan.errors] == [
        (4, "tanggal_kegiatan")
    ]
    assert (KIMActivity.objects.count(), history_count()) == (0, 0)


# --- Errors by row and column ---------------------------------------------------------------


def test_errors_name_their_row_and_column(user, desa, kim):
    voided = KIMFactory(desa=desa, name="KIM Batal", by=user)
    services.void_kim(kim=voided, reason="Salah daftar", by=None)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    lines = [
        ",".join(HEADERS),
        "35.07.99.9999,KIM Maju,2023-01-01,diskusi,Desa tak dikenal,",  # 2
        f"{desa.code},KIM Hilang,2023-01-01,diskusi,KIM tak dikenal,",  # 3
        f"{desa.code},KIM Maju,{tomorrow},diskusi,Masa depan,",  # 4
        f"{desa.code},KIM Maju,2019-12-31,diskusi,Sebelum pembentukan,",  # 5
        f"{desa.code},KIM Maju,2023-01-01,rapat,Jenis tak dikenal,",  # 6
        "",  # 7: a blank row keeps the numbering of the rows below it
        f"{desa.code},KIM Maju,2023-01-01,diskusi,,",  # 8
        f"{desa.code},KIM Maju,2023-01-01,diskusi,Tautan salah,bukan url",  # 9
        f"{desa.code},KIM Maju,2023-01-01,diskusi,Kembar,",  # 10
        f"{desa.code},kim maju,2023-01-01,Diskusi,Kembar,",  # 11
        f"{desa.code},KIM Maju,kemarin,diskusi,Tanggal salah,",  # 12
        f"{desa.code},KIM Batal,2023-01-01,diskusi,KIM dibatalkan,",  # 13
        f"{desa.code},KIM Maju,2023-01-01,diskusi,{'x' * 301},",  # 14
        f"{desa.code},,,,,",  # 15
    ]
    rows = activity.read_file("\n".join(lines).encode(), filename="a.csv")
    plan = activity.plan(rows, by=user)
    by_row = {}
    for row, column, message in plan.errors:
        by_row.setdefault(row, []).append((column, message))
    columns = {row: [column for column, _m in errors] for row, errors in by_row.items()}
    assert columns == {
        2: ["kode_desa"],
        3: ["nama_kim"],
        4: ["tanggal_kegiatan"],
        5: ["tanggal_kegiatan"],
        6: ["jenis_kegiatan"],
        8: ["uraian"],
        9: ["tautan"],
        11: ["uraian"],
        12: ["tanggal_kegiatan"],
        13: ["nama_kim"],
        14: ["uraian"],
        15: ["nama_kim", "tanggal_kegiatan", "jenis_kegiatan", "uraian"],
    }
    assert "35.07.99.9999 tidak dikenal" in by_row[2][0][1]
    assert "Tidak ada KIM bernama KIM Hilang di Sumberputih" in by_row[3][0][1]
    assert "masa depan" in by_row[4][0][1]
    assert "sebelum tanggal pembentukan KIM (2020-01-15)" in by_row[5][0][1]
    assert ", ".join(ActivityKind.values) in by_row[6][0][1]
    assert "wajib diisi" in by_row[8][0][1]
    assert "baris 10" in by_row[11][0][1]
    assert "tidak dikenali" in by_row[12][0][1]
    outcome = {o.number: o for o in plan.outcomes}
    assert outcome[10].action == "create"
    assert plan.counts == ImportCounts(created=1, updated=0, unchanged=0, errors=12)
    assert not KIMActivity.objects.exists()


def test_officer_of_another_kecamatan_gets_row_errors(user, desa, kim):
    services.record_activity(
        kim=kim, occurred_on=D(2023, 1, 10), kind="diskusi", description="Lama", by=user
    )
    elsewhere = DesaFactory(kecamatan=KecamatanFactory(name="Kasembon"))
    limit_to(user, elsewhere.kecamatan.code)
    KIMFactory(desa=elsewhere, name="KIM Dalam", by=None)
    user = type(user).objects.get(pk=user.pk)  # the assignments as a new request sees them
    content = csv_bytes(
        [
            [desa.code, "KIM Maju", "2023-06-15", "diskusi", "Baru", ""],
            [desa.code, "KIM Maju", "2023-01-10", "diskusi", "Lama", ""],  # recorded already
            [elsewhere.code, "KIM Dalam", "2023-06-15", "diskusi", "Boleh", ""],
        ]
    )
    plan = activity.plan(activity.read_file(content, filename="a.csv"), by=user)
    assert [o.action for o in plan.outcomes] == ["error", "error", "create"]
    assert [(row, column) for row, column, _m in plan.errors] == [
        (2, "kode_desa"),
        (3, "kode_desa"),
    ]
    assert all("di luar wilayah kerja Anda" in message for _r, _c, message in plan.errors)
    with pytest.raises(ImportRefused):
        activity.run(plan, by=user, filename="a.csv")
    assert KIMActivity.objects.count() == 1


def test_importing_needs_the_activity_permission(staf, desa, kim):
    content = csv_bytes([[desa.code, "KIM Maju", "2023-06-15", "diskusi", "Baru", ""]])
    rows = activity.read_file(content, filename="a.csv")
    with pytest.raises(PermissionDenied):
        activity.plan(rows, by=staf)
    with pytest.raises(PermissionDenied):
        activity.run(rows, by=staf, filename="a.csv")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"kode_desa,nama_kim,tanggal_pembentukan\n1,2,3\n", "Kolom wajib tidak ada"),
        (b"", "Berkas kosong."),
        (",".join(HEADERS).encode() + b"\n", "hanya berisi judul kolom"),
    ],
)
def test_files_that_cannot_be_imported_are_refused(content, expected):
    with pytest.raises(ImportRefused, match=expected):
        activity.read_file(content, filename="a.csv")


def test_kim_template_then_activity_template(user, desa):
    """The activity template's example names the KIM template's example KIM."""
    sumberputih = DesaFactory(code="35.07.08.2001", name="Sumberputih")
    kim_rows = kim_importer.read_file(kim_importer.template_file("csv")[0], filename="k.csv")
    kim_importer.run(kim_rows, by=user, filename="k.csv")
    content, _type = activity.template_file("xlsx")
    rows = activity.read_file(content, filename="a.xlsx")
    assert activity.run(rows, by=user, filename="a.xlsx") == ImportCounts(1, 0, 0)
    assert KIMActivity.objects.get().kim.desa == sumberputih


# --- The command ----------------------------------------------------------------------------


@pytest.fixture
def activity_file(tmp_path, desa, kim):
    path = tmp_path / "kegiatan.csv"
    path.write_bytes(
        csv_bytes(
            [
                [desa.code, "KIM Maju", "2023-06-15", "diskusi", "Satu", ""],
                [desa.code, "KIM Maju", "2023-06-16", "bimtek", "Dua", ""],
            ]
        )
    )
    return path


def test_command_dry_run_then_import(user, activity_file):
    out = io.StringIO()
    args = ["import_activities", str(activity_file), "--user", "petugas"]
    call_command(*args, "--dry-run", stdout=out)
    assert "Uji coba: 2 kegiatan baru, 0 sudah tercatat" in out.getvalue()
    assert not KIMActivity.objects.exists()

    out = io.StringIO()
    call_command(*args, stdout=out)
    assert "2 kegiatan baru, 0 sudah tercatat" in out.getvalue()
    assert set(KIMActivity.objects.values_list("recorded_by", flat=True)) == {user.pk}

    out = io.StringIO()
    call_command(*args, "--dry-run", "-v", "2", stdout=out)
    assert "Uji coba: 0 kegiatan baru, 2 sudah tercatat" in out.getvalue()
    assert "baris 2: tidak berubah KIM Maju 2023-06-15 · Diskusi · Satu" in out.getvalue()
    assert KIMActivity.objects.count() == 2


@pytest.mark.parametrize("dry_run", [True, False])
def test_command_lists_errors_and_writes_nothing(user, desa, kim, tmp_path, dry_run):
    path = tmp_path / "salah.csv"
    path.write_bytes(
        csv_bytes(
            [
                [desa.code, "KIM Maju", "2023-06-15", "diskusi", "Satu", ""],
                [desa.code, "KIM Maju", "2023-06-16", "rapat", "Dua", ""],
            ]
        )
    )
    err = io.StringIO()
    args = ["import_activities", str(path), "--user", "petugas"] + (["--dry-run"] * dry_run)
    with pytest.raises(CommandError, match="Tidak ada yang ditulis"):
        call_command(*args, stdout=io.StringIO(), stderr=err)
    assert "baris 3, kolom jenis_kegiatan: rapat tidak dikenal" in err.getvalue()
    assert not KIMActivity.objects.exists()


def test_command_refuses_bad_users_and_files(user, staf, activity_file, tmp_path):
    with pytest.raises(CommandError, match="tidak ada"):
        call_command("import_activities", str(activity_file), "--user", "siapa")
    with pytest.raises(CommandError, match="tidak berhak mencatat kegiatan KIM"):
        call_command("import_activities", str(activity_file), "--user", "staf")
    kim_file = tmp_path / "kim.csv"
    kim_file.write_bytes(b"kode_desa,nama_kim,tanggal_pembentukan\n35.07.08.2001,A,2023-01-01\n")
    with pytest.raises(CommandError, match="Kolom wajib tidak ada"):
        call_command("import_activities", str(kim_file), "--user", "petugas")


# --- The pages ------------------------------------------------------------------------------


def upload(content: bytes, name: str = "kegiatan.csv") -> dict:
    return {"file": SimpleUploadedFile(name, content)}


def test_staf_may_not_import(staff_client, desa, kim):
    content = csv_bytes([[desa.code, "KIM Maju", "2023-06-15", "diskusi", "Satu", ""]])
    assert staff_client.get(reverse("villages:activity_import")).status_code == 403
    response = staff_client.post(reverse("villages:activity_import"), upload(content))
    assert response.status_code == 403
    response = staff_client.post(
        reverse("villages:activity_import_confirm"), {"token": "x", "sha256": "y"}
    )
    assert response.status_code == 403
    for file_format in ("csv", "xlsx"):
        template_url = reverse("villages:activity_import_template", kwargs={"format": file_format})
        assert staff_client.get(template_url).status_code == 403
    assert not KIMActivity.objects.exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_template_download(officer_client, file_format):
    response = officer_client.get(
        reverse("villages:activity_import_template", kwargs={"format": file_format})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == files.CONTENT_TYPES[file_format]
    assert response["Content-Disposition"] == (
        f'attachment; filename="templat-impor-kegiatan-kim.{file_format}"'
    )
    if file_format == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")
        dataset = tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")
    else:
        dataset = tablib.Dataset().load(io.BytesIO(response.content), format="xlsx")
    assert dataset.headers == HEADERS
    assert dataset[0][3] == "diskusi"
    assert officer_client.get("/kim/kegiatan/impor/templat.pdf").status_code == 400


def test_upload_preview_confirm(officer_client, user, desa, kim):
    page = officer_client.get(reverse("villages:activity_import")).content.decode()
    assert "Impor kegiatan KIM dari berkas" in page
    assert "/kim/kegiatan/impor/templat.xlsx" in page
    assert "/kim/kegiatan/impor/templat.csv" in page
    assert "<code>jenis_kegiatan</code>" in page
    assert "/kim/impor/" not in page

    content = xlsx_bytes(
        [
            [desa.code, "KIM Maju", D(2023, 6, 15), "Diskusi", "Diskusi warga", None],
            [desa.code, "kim maju", D(2023, 6, 16), "Pelatihan/bimtek", "Bimtek", "yt.example/x"],
        ]
    )
    response = officer_client.post(
        reverse("villages:activity_import"), upload(content, "kegiatan.xlsx")
    )
    assert response.status_code == 200
    assert [(o.number, o.action) for o in response.context["plan"].outcomes] == [
        (2, "create"),
        (3, "create"),
    ]
    html = response.content.decode()
    assert "Pratinjau impor kegiatan KIM" in html
    assert 'data-import-row="2" data-action="create"' in html
    assert "2023-06-16 · Pelatihan/bimtek · Bimtek" in html
    assert 'data-count="update"' not in html
    assert "table-danger" not in html
    assert 'action="/kim/kegiatan/impor/konfirmasi/"' in html
    assert not KIMActivity.objects.exists()

    pending = response.context["pending"]
    response = officer_client.post(
        reverse("villages:activity_import_confirm"), pending, follow=True
    )
    assert response.redirect_chain == [(reverse("villages:kim_list"), 302)]
    assert "Impor selesai: 2 kegiatan baru, 0 sudah tercatat." in response.content.decode()
    assert list(KIMActivity.objects.values_list("recorded_by", flat=True)) == [user.pk, user.pk]
    assert KIMActivity.objects.get(kind="pelatihan").link == "https://yt.example/x"
    assert ACTIVITY_IMPORT.session_key not in officer_client.session

    # Confirming the same preview twice does not import twice.
    response = officer_client.post(
        reverse("villages:activity_import_confirm"), pending, follow=True
    )
    assert response.redirect_chain == [(reverse("villages:activity_import"), 302)]
    assert "tidak cocok dengan pratinjau" in response.content.decode()
    assert KIMActivity.objects.count() == 2


def test_preview_shows_errors_without_a_confirm_button(officer_client, desa, kim):
    content = csv_bytes(
        [
            [desa.code, "KIM Maju", "2023-06-15", "diskusi", "Satu", ""],
            [desa.code, "KIM Hilang", "2023-06-15", "diskusi", "Dua", ""],
        ]
    )
    response = officer_client.post(reverse("villages:activity_import"), upload(content))
    html = response.content.decode()
    assert 'class="table-danger" data-import-row="3" data-action="error"' in html
    assert '<li data-error-column="nama_kim">' in html
    assert "data-import-confirm" not in html
    assert "data-import-refused" in html
    assert ACTIVITY_IMPORT.session_key not in officer_client.session


def test_a_kim_preview_cannot_be_confirmed_as_activities(officer_client, desa):
    kim_csv = f"kode_desa,nama_kim,tanggal_pembentukan\n{desa.code},KIM A,2023-01-01\n".encode()
    response = officer_client.post(reverse("villages:kim_import"), upload(kim_csv, "kim.csv"))
    pending = response.context["pending"]
    assert SESSION_KEY in officer_client.session
    response = officer_client.post(
        reverse("villages:activity_import_confirm"), pending, follow=True
    )
    assert "tidak cocok dengan pratinjau" in response.content.decode()
    assert SESSION_KEY in officer_client.session  # the KIM preview may still be confirmed


def test_refused_upload_is_an_error_on_the_form(officer_client):
    response = officer_client.post(
        reverse("villages:activity_import"), upload(b"%PDF-1.4\n", "a.pdf")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith("Berkas a.pdf bukan CSV")


# --- Whatever the file holds ----------------------------------------------------------------

FUZZ = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CELL = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 1, 1)),
    st.sampled_from(
        ["2023-06-15", "15/06/2023", "diskusi", "Bimtek", "KIM Maju", "https://a.example", ""]
    ),
)


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.builds(lambda tail: ",".join(HEADERS).encode() + b"\n" + tail, st.binary(max_size=150)),
        st.builds(lambda tail: b"PK\x03\x04" + tail, st.binary(max_size=200)),
    ),
    extension=st.sampled_from([".csv", ".xlsx"]),
)
def test_any_bytes_are_read_or_refused(user, kim, content, extension):
    try:
        rows = activity.read_file(content, filename="acak" + extension)
    except ImportRefused as exc:
        assert exc.message  # noqa: PT017 (refusing is an allowed outcome)
        assert exc.plan is None  # noqa: PT017
        return
    try:
        counts = activity.run(rows, by=user, filename="acak" + extension)
    except ImportRefused as exc:
        assert exc.plan.has_errors  # noqa: PT017 (refusing is an allowed outcome)
        counts = ImportCounts(0, 0, 0)
    assert KIMActivity.objects.count() == counts.created
    KIMActivity.objects.all().delete()


@FUZZ
@given(
    headers=st.one_of(
        st.permutations(HEADERS),
        st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6, unique=True),
    ),
    cells=st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=4),
    use_kim=st.booleans(),
    as_xlsx=st.booleans(),
)
def test_any_cells_are_planned_or_refused(user, desa, kim, headers, cells, use_kim, as_xlsx):
    rows = [row[: len(headers)] for row in cells]
    if use_kim:
        # Cells that name the KIM, a date and a kind, so that some rows are created.
        valid = {
            "kode_desa": desa.code,
            "nama_kim": kim.name.upper(),
            "tanggal_kegiatan": "2023-06-15",
            "jenis_kegiatan": "Bimtek",
        }
        for row in rows:
            for header, value in valid.items():
                if header in headers:
                    row[headers.index(header)] = value
    if as_xlsx:
        content, filename = xlsx_bytes(rows, headers=headers), "acak.xlsx"
    else:
        content, filename = csv_bytes(rows, headers=headers), "acak.csv"
    before = (KIMActivity.objects.count(), history_count())
    try:
        source_rows = activity.read_file(content, filename=filename)
    except ImportRefused as exc:
        assert exc.message  # noqa: PT017 (refusing is an allowed outcome)
        return
    plan = activity.plan(source_rows, by=user)
    assert len(plan.outcomes) == len(source_rows)
    assert {o.action for o in plan.outcomes} <= {"create", "error"}
    assert all(o.errors for o in plan.outcomes if o.action == "error")
    assert (KIMActivity.objects.count(), history_count()) == before
    try:
        counts = activity.run(source_rows, by=user, filename=filename)
    except ImportRefused:
        assert (KIMActivity.objects.count(), history_count()) == before
    else:
        assert counts == plan.counts
        assert KIMActivity.objects.count() == before[0] + counts.created
    KIMActivity.objects.all().delete()
