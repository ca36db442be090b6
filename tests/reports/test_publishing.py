"""Published monthly reports (reports.publishing): what a Kepala Dinas signs never changes
underneath, every later difference is shown, revisions stay, and a printed report can be checked
without logging in. The scenario of issue 16: June 2023 published at 215 KIM, then a KIM formed
in June 2023 is registered."""

import csv
import datetime
import hashlib
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import monthly, publishing
from reports.models import Publication
from villages import services
from villages.models import KIM, Desa

from ..conftest import user_with_role

JUNE = datetime.date(2023, 6, 1)
REPORT_URL = reverse("reports:monthly", args=["2023-06"])
PUBLISH_URL = reverse("reports:publish", args=["2023-06"])


def version_url(revision: int, kind: str = "") -> str:
    """A version of June 2023 for Kabupaten Malang (its URL names the wilayah: it stays valid
    when more kabupaten are loaded)."""
    url = reverse("reports:publication", args=["2023-06", revision]) + "?wilayah=35.07"
    return f"{url}&format={kind}" if kind else url


def publish(client, capture, **data):
    """POST the publish form as the logged-in user, running the background job at once."""
    with capture(execute=True):
        return client.post(PUBLISH_URL, data)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def register_june_kim(by) -> KIM:
    """A KIM formed on 20 June 2023 in Wajak, one of the three kecamatan without one then."""
    desa = Desa.objects.get(code="35.07.08.2001")
    return services.register_kim(
        desa=desa, name="KIM Terlambat Dicatat", formed_on=datetime.date(2023, 6, 20), by=by
    )


@pytest.fixture
def published_june(client, manajer, demo, django_capture_on_commit_callbacks):
    """June 2023 published once by a Manajer through the page, with its files' bytes."""
    client.force_login(manajer)
    response = publish(client, django_capture_on_commit_callbacks)
    publication = Publication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == version_url(1)
    files = {kind: client.get(version_url(1, kind)).content for kind in ("pdf", "xlsx", "csv")}
    return publication, files


def test_publishing_keeps_the_report_and_later_changes_are_shown_never_applied(
    client, manajer, published_june, django_capture_on_commit_callbacks
):
    publication, files = published_june
    assert publication.status == Publication.Status.DONE
    assert publication.revision == 1
    assert publication.number == "001/KIM/DISKOMINFO/VI/2023"
    assert publication.content["figures"]["kim_formed"]["value"] == 215
    assert publication.content_sha256 == publishing.content_hash(publication.content)
    for kind, content in files.items():
        assert content, kind
        stored = publication.files.get(format=kind)
        assert hashlib.sha256(content).hexdigest() == stored.sha256
    # The PDF carries its number, its content hash and the verification address.
    text = pdf_text(files["pdf"])
    assert publication.number in text
    assert publication.content_sha256[:32] in re.sub(r"\s", "", text)
    assert str(publication.public_id) in re.sub(r"\s", "", text)

    page = client.get(REPORT_URL).content.decode()
    assert "data-unchanged" in page
    assert "Berubah sejak diterbitkan" not in page

    # An officer registers a KIM formed in June 2023, after the publication.
    officer = user_with_role("petugas_lapangan", "Petugas")
    kim = register_june_kim(officer)

    # The published files are the same bytes; the live report has moved on.
    for kind, content in files.items():
        assert client.get(version_url(1, kind)).content == content, kind
    live = client.get(REPORT_URL)
    page = live.content.decode()
    assert live.context["report"].summary.kim_formed == 216
    assert "Berubah sejak diterbitkan" in page
    difference = live.context["difference"]
    formed = next(c for c in difference.figures if c.label == "KIM dibentuk")
    assert (formed.published, formed.now) == (215, 216)
    assert [k["name"] for k in difference.kim_added] == [kim.name]
    cause = difference.causes[0]
    assert (cause.kim_name, cause.by) == (kim.name, "petugas_lapangan")
    assert kim.name in page
    assert "petugas_lapangan" in page
    assert "data-publish-form" in page  # a revision may now be published

    # A revision needs a reason; then it is published and in force, the first stays.
    response = publish(client, django_capture_on_commit_callbacks)
    assert Publication.objects.count() == 1
    assert "alasan revisi" in client.get(response["Location"]).content.decode().lower()
    publish(client, django_capture_on_commit_callbacks, reason="KIM Wajak terlambat dicatat")
    revision = Publication.objects.get(revision=2)
    assert revision.status == Publication.Status.DONE
    assert revision.number == "002/KIM/DISKOMINFO/VI/2023"
    assert revision.label == "Revisi 1"
    assert revision.content["figures"]["kim_formed"]["value"] == 216
    assert client.get(version_url(1, "pdf")).content == files["pdf"]
    page = client.get(REPORT_URL).content.decode()
    assert "Berubah sejak diterbitkan" not in page
    assert re.search(r"data-in-force>\s*<td>\s*Revisi 1", page)

    # The printed first version, checked without logging in, says a newer revision exists.
    client.logout()
    check = client.get(reverse("reports:verify", args=[publication.public_id]))
    assert check.status_code == 200
    text = check.content.decode()
    assert publication.number in text
    assert publication.content_sha256 in text
    assert "data-newer" in text
    assert revision.number in text
    assert kim.name not in text
    assert "KIM Gubugklakah" not in text
    assert "DATA DEMO" in text
    newest = client.get(reverse("reports:verify", args=[revision.public_id])).content.decode()
    assert "data-current" in newest


def test_a_publication_is_served_from_what_was_kept(client, published_june):
    publication, files = published_june
    stored = publication.files.get(format="xlsx")
    # Even if the figures were wrong today (they are not), the file is what was kept.
    response = client.get(version_url(1, "xlsx"))
    assert response.content == bytes(stored.content)
    assert response["Content-Disposition"].endswith(
        'filename="laporan-kim-2023-06-35.07-terbitan-1.xlsx"'
    )
    page = client.get(version_url(1))
    assert page.status_code == 200
    assert stored.sha256 in page.content.decode()
    assert client.get(version_url(1, "docx")).status_code == 400
    assert client.get(version_url(9)).status_code == 404


def test_no_revision_without_a_difference(manajer, client, published_june):
    page = client.get(REPORT_URL).content.decode()
    assert "data-publish-form" not in page  # nothing changed: nothing to revise
    asked = publishing.request_publication(
        JUNE, monthly.resolve_wilayah(None), by=manajer, reason="Sama saja", enqueue=print
    )
    made = publishing.run(asked.pk)
    assert made.status == Publication.Status.FAILED
    assert "Tidak ada perubahan" in made.error
    assert not made.files.exists()


def test_only_a_manajer_publishes(client, staf, user, demo, django_capture_on_commit_callbacks):
    for who in (staf, user):
        client.force_login(who)
        assert publish(client, django_capture_on_commit_callbacks).status_code == 403
    assert not Publication.objects.exists()
    # A Manajer without the publish permission (taken away by the administrator) cannot either.
    manajer = user_with_role("kabid", "Manajer")
    manajer.groups.get().permissions.remove(Permission.objects.get(codename="publish_report"))
    manajer = type(manajer).objects.get(pk=manajer.pk)
    client.force_login(manajer)
    assert publish(client, django_capture_on_commit_callbacks).status_code == 403
    with pytest.raises(PermissionDenied):
        publishing.request_publication(JUNE, monthly.resolve_wilayah(None), by=manajer)
    assert not Publication.objects.exists()


def test_the_running_month_cannot_be_published(manajer, demo):
    today = timezone.localdate().replace(day=1)
    with pytest.raises(ValidationError, match="bulan berjalan"):
        publishing.request_publication(today, monthly.resolve_wilayah(None), by=manajer)


def test_a_failed_publication_says_why_and_is_taken_up_again(
    client, manajer, demo, django_capture_on_commit_callbacks, monkeypatch
):
    from reports import exports

    def broken(*args, **kwargs):
        raise exports.PDFUnavailable("Pango hilang")

    monkeypatch.setattr(exports, "to_pdf", broken)
    client.force_login(manajer)
    response = publish(client, django_capture_on_commit_callbacks)
    failed = Publication.objects.get()
    assert failed.status == Publication.Status.FAILED
    assert "Pango hilang" in failed.error
    assert not failed.files.exists()
    assert "Pango hilang" in client.get(response["Location"]).content.decode()
    monkeypatch.undo()
    publish(client, django_capture_on_commit_callbacks)
    again = Publication.objects.get()
    assert (again.pk, again.number, again.status) == (failed.pk, failed.number, "done")


def test_the_command_publishes_and_the_verification_page_is_public(client, demo):
    out = io.StringIO()
    call_command("monthly_report", "2023-06", "--publish", stdout=out)
    publication = Publication.objects.get()
    assert publication.status == Publication.Status.DONE
    assert publication.requested_by is None
    assert publication.number in out.getvalue()
    assert publication.verification_url.startswith("http://127.0.0.1:8000/laporan/verifikasi/")
    response = client.get(reverse("reports:verify", args=[publication.public_id]))
    assert response.status_code == 200
    assert "Kabupaten Malang" in response.content.decode()
    # Nothing but the publication's own facts: no name of any KIM, no phone number.
    for name in KIM.objects.values_list("name", flat=True)[:50]:
        assert name not in response.content.decode()
    assert (
        client.get(
            reverse("reports:verify", args=[publication.public_id]).replace(
                str(publication.public_id), "00000000-0000-0000-0000-000000000000"
            )
        ).status_code
        == 404
    )


def test_demo_reports_are_marked_in_every_file(client, manajer, published_june):
    publication, files = published_june
    assert publication.is_demo
    pdf = PdfReader(io.BytesIO(files["pdf"]))
    for page in pdf.pages:
        assert "DATA DEMO" in page.extract_text()
    assert "bukan untuk ditandatangani" in pdf_text(files["pdf"])
    book = load_workbook(io.BytesIO(files["xlsx"]))
    assert "DATA DEMO" in book.worksheets[0]["C1"].value
    for sheet in book.worksheets:
        assert "DATA DEMO" in sheet.oddHeader.center.text
    first_row = next(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    assert first_row[0].startswith("DATA DEMO")
    # The live files too.
    live_csv = client.get(f"{REPORT_URL}?format=csv").content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(live_csv)))[0].startswith("DATA DEMO")
    assert "DATA DEMO" in client.get(REPORT_URL).content.decode()


def test_real_data_is_not_marked(malang, manajer):
    desa = Desa.objects.get(code="35.07.08.2001")
    services.register_kim(
        desa=desa, name="KIM Nyata", formed_on=datetime.date(2023, 6, 2), by=manajer
    )
    report = monthly.build(JUNE)
    assert not report.is_demo
    from reports import exports

    assert "DATA DEMO" not in exports.to_csv(report).decode("utf-8-sig")
    assert "DATA DEMO" not in pdf_text(exports.to_pdf(report))


def test_with_the_rule_on_a_write_in_a_published_month_needs_a_manajer_and_a_reason(
    settings, client, manajer, published_june
):
    settings.KIM_PUBLISHED_MONTHS_NEED_MANAGER = True
    officer = user_with_role("petugas_lapangan", "Petugas")
    with pytest.raises(ValidationError, match="sudah terbit"):
        register_june_kim(officer)
    desa = Desa.objects.get(code="35.07.08.2001")
    entry = {"desa": desa, "name": "KIM Terlambat", "formed_on": datetime.date(2023, 3, 2)}
    with pytest.raises(ValidationError, match="sudah terbit"):
        services.register_kim(by=manajer, **entry)  # a Manajer, but no reason
    # Dated after the published months: anybody, as always.
    july = services.register_kim(
        desa=desa, name="KIM Juli", formed_on=datetime.date(2023, 7, 3), by=officer
    )
    with pytest.raises(ValidationError, match="sudah terbit"):
        services.update_kim(kim=july, by=officer, formed_on=datetime.date(2023, 6, 30))
    with pytest.raises(ValidationError, match="sudah terbit"):
        services.void_kim(kim=KIM.objects.get(name="KIM Gubugklakah"), reason="Salah", by=officer)
    services.update_kim(kim=july, by=officer, member_count=12)  # no reported field: allowed

    # Through the form: the officer is told why; the Manajer gives a reason and it is recorded.
    data = {
        "kecamatan": "35.07.08",
        "desa": "35.07.08.2001",
        "name": "KIM Lewat Formulir",
        "formed_on": "2023-06-10",
        "member_count": "12",
        "confirm_second": "on",  # KIM Juli is there already
    }
    client.force_login(officer)
    refused = client.post(reverse("villages:kim_create"), data)
    assert refused.status_code == 200
    assert "sudah terbit" in refused.content.decode()
    client.force_login(manajer)
    response = client.post(
        reverse("villages:kim_create"), {**data, "change_reason": "SK terlambat diterima"}
    )
    assert response.status_code == 302, response.context["form"].errors
    kim = KIM.objects.get(name="KIM Lewat Formulir")
    assert kim.history.get().history_change_reason == "SK terlambat diterima"
    # The report page names it among the causes of the difference, with the reason.
    page = client.get(REPORT_URL).content.decode()
    assert "SK terlambat diterima" in page


def test_with_the_rule_off_writes_are_allowed_and_shown(client, manajer, published_june):
    officer = user_with_role("petugas_lapangan", "Petugas")
    register_june_kim(officer)
    assert "Berubah sejak diterbitkan" in client.get(REPORT_URL).content.decode()


def test_a_queued_publication_shows_its_progress_and_a_stalled_worker(client, manajer, demo):
    asked = publishing.request_publication(
        JUNE, monthly.resolve_wilayah(None), by=manajer, enqueue=print
    )
    client.force_login(manajer)
    page = client.get(version_url(1))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'http-equiv="refresh"' in text
    assert "data-progress" in text
    assert "data-stalled" not in text
    assert client.get(version_url(1, "pdf")).status_code == 404  # not made yet
    Publication.objects.filter(pk=asked.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert "data-stalled" in client.get(version_url(1)).content.decode()
    # Asking again while one is waiting is refused with a message, nothing new is queued.
    with pytest.raises(ValidationError, match="sedang diterbitkan"):
        publishing.request_publication(JUNE, monthly.resolve_wilayah(None), by=manajer)
    assert Publication.objects.count() == 1


def test_the_difference_costs_the_same_queries_for_one_late_write_as_for_five(
    client, manajer, published_june
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = user_with_role("petugas_lapangan", "Petugas")
    codes = ["35.07.08.2001", "35.07.08.2002", "35.07.08.2003", "35.07.28.2001", "35.07.11.2001"]

    def late(code):
        services.register_kim(
            desa=Desa.objects.get(code=code), name="KIM Terlambat", formed_on=JUNE, by=officer
        )

    def report_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REPORT_URL).status_code == 200
        return len(queries)

    late(codes[0])
    one = report_queries()
    for code in codes[1:]:
        late(code)
    assert report_queries() == one
    assert len(client.get(REPORT_URL).context["difference"].causes) == 5


def test_the_reports_page_lists_the_publications(client, published_june):
    publication, _files = published_june
    page = client.get(reverse("reports:index")).content.decode()
    assert publication.number in page
    assert "data-published" in page


def test_each_office_numbers_its_own_documents(malang):
    """Offices sharing a deployment (Kabupaten Malang, Kota Batu, the provinsi) each number
    their reports from 001; a kecamatan report takes its kabupaten's next number."""
    from ..factories import kota_batu

    kota_batu()

    def number(month: datetime.date, code: str) -> tuple[str, str]:
        publication = publishing.request_publication(
            month, monthly.resolve_wilayah(code), by=None, enqueue=lambda pk: None
        )
        return publication.office_code, publication.number

    june, july = datetime.date(2023, 6, 1), datetime.date(2023, 7, 1)
    assert number(june, "35.07") == ("35.07", "001/KIM/DISKOMINFO/VI/2023")
    assert number(june, "35.79") == ("35.79", "001/KIM/DISKOMINFO/VI/2023")
    assert number(july, "35.07.08") == ("35.07", "002/KIM/DISKOMINFO/VII/2023")
    assert number(june, "35") == ("35", "001/KIM/DISKOMINFO/VI/2023")
    assert number(july, "35.79") == ("35.79", "002/KIM/DISKOMINFO/VII/2023")
    # A new year starts again from 001, per office.
    assert number(datetime.date(2024, 1, 1), "35.07")[1] == "001/KIM/DISKOMINFO/I/2024"
