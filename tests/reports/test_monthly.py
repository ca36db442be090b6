"""The monthly report as managers use it: the page, its months, bad months, the command, the
e-mail, targets and the open-data export; only Manajer may reach them."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from reports import coverage, monthly
from reports.models import Target

from ..pages import csv_rows

D = datetime.date


@pytest.fixture
def manager_client(client, manajer):
    client.force_login(manajer)
    return client


def test_june_2023_matches_the_published_figures(demo):
    report = monthly.build(monthly.parse_month("2023-06"))
    s = report.summary
    assert report.as_of == D(2023, 6, 30)
    assert (s.kim_formed, s.kim_active, s.target.kim_count, s.target_missing) == (215, 215, 240, 25)
    assert sorted(k.name for k in s.kecamatan_without_active) == ["Kalipare", "Kasembon", "Wajak"]
    assert s.kim_mandiri == 1
    assert report.change("kim_formed", "previous_december") == 215 - 187
    lines = {k.name: k for k in report.kecamatan}
    assert lines["Poncokusumo"].by_level["mandiri"] == 1
    assert sum(k.kim_formed for k in report.kecamatan) == 215
    assert sum(k.new_this_month for k in report.kecamatan) == len(report.formed_this_month)
    assert sum(len(v) for v in report.desa_without_kim.values()) == 390 - 215
    assert len(report.desa_without_kim["Wajak"]) == 13


def test_september_2025_and_status_events(demo):
    report = monthly.build(monthly.parse_month("2025-09"))
    assert (report.summary.kim_formed, report.summary.kim_active) == (250, 75)
    direct = coverage.summary(report.as_of)
    assert (direct.kim_formed, direct.kim_active) == (250, 75)
    # Every deactivation of the month is listed, classified against the state before it.
    from villages.models import KIMStatusChange

    deactivated = KIMStatusChange.objects.filter(
        is_active=False, effective_on__range=(D(2025, 9, 1), D(2025, 9, 30))
    )
    assert {e.kim.pk for e in report.status_events if e.kind == "deactivated"} == {
        c.kim_id for c in deactivated
    }


def test_status_events_classify_level_and_reactivation(user, malang):
    from villages import services
    from villages.models import Desa

    kim = services.register_kim(
        desa=Desa.objects.get(code="35.07.08.2001"), name="KIM A", formed_on=D(2024, 1, 10), by=user
    )
    services.record_status_change(kim=kim, effective_on=D(2024, 2, 3), by=user, level="berkembang")
    services.record_status_change(kim=kim, effective_on=D(2024, 2, 10), by=user, is_active=False)
    services.record_status_change(kim=kim, effective_on=D(2024, 2, 20), by=user, is_active=True)
    report = monthly.build(D(2024, 2, 1))
    assert [e.kind for e in report.status_events] == ["level_up", "deactivated", "reactivated"]
    # The formation itself is not a status event.
    assert monthly.build(D(2024, 1, 1)).status_events == []


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2023-13", "tidak dikenali"),
        ("juni", "tidak dikenali"),
        ("2999-01", "belum tiba"),
        ("2016-12", "Belum ada data KIM"),
    ],
)
def test_bad_months_get_a_clear_message(manager_client, demo, month, message):
    response = manager_client.get(reverse("reports:monthly", args=[month]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "data-months" in response.content.decode()


def test_report_page_and_index(manager_client, demo):
    html = manager_client.get(reverse("reports:monthly", args=["2023-06"])).content.decode()
    assert 'data-figure="kim_formed"' in html
    assert "Laporan bulanan KIM Juni 2023" in html
    assert "Wajak (13 desa)" in html
    index = manager_client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:monthly", args=["2023-06"]) in index
    assert reverse("reports:monthly", args=["2017-01"]) in index
    assert reverse("reports:monthly", args=["2016-12"]) not in index


def test_report_queries_do_not_grow_with_rows(
    manager_client, demo, user, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            monthly.build(D(2025, 9, 1))
        return len(queries)

    before = count()
    from villages import services
    from villages.models import Desa

    for desa in Desa.objects.filter(kims__isnull=True)[:20]:
        services.register_kim(
            desa=desa, name=f"KIM {desa.name} Baru", formed_on=D(2025, 9, 2), by=user
        )
    assert count() == before


def test_command_writes_files_and_refuses_bad_months(demo, tmp_path):
    out = tmp_path / "juni.csv"
    call_command(
        "monthly_report", "2023-06", "--format", "csv", "--output", str(out), stdout=io.StringIO()
    )
    rows = list(csv_rows_from_bytes(out.read_bytes()))
    assert sum(int(r["KIM dibentuk"]) for r in rows if r["Kode"]) == 215
    with pytest.raises(CommandError, match="tidak dikenali"):
        call_command("monthly_report", "2023-6", "--output", str(out))
    with pytest.raises(CommandError, match="--output"):
        call_command("monthly_report", "2023-06")


def csv_rows_from_bytes(content):
    """The per-kecamatan rows by column, after the DATA DEMO line a demo report starts with."""
    import csv

    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith('"DATA DEMO')
    return csv.DictReader(io.StringIO("\n".join(lines[1:])))


def test_command_emails_every_active_manager(demo, manajer, mailoutbox, django_user_model):
    manajer.email = "kabid@example.go.id"
    manajer.save()
    retired = django_user_model.objects.create_user(
        "mantan", email="mantan@example.go.id", is_active=False
    )
    retired.groups.add(manajer.groups.get())
    call_command("monthly_report", "2023-06", "--email", stdout=io.StringIO())
    (mail,) = mailoutbox
    assert mail.to == ["kabid@example.go.id"]
    report = monthly.build(monthly.parse_month("2023-06"))
    formed = next(f for f in report.figures() if f.key == "kim_formed")
    # The key figures with their change since the previous month, in the body.
    assert f"- KIM dibentuk: 215 (+{formed.vs_previous_month})" in mail.body
    assert "DATA DEMO" in mail.body
    assert sorted(name for name, _c, _t in mail.attachments) == [
        "laporan-kim-2023-06.pdf",
        "laporan-kim-2023-06.xlsx",
    ]


def test_command_publishes_and_mails_the_published_files(demo, manajer, mailoutbox):
    from reports.models import Publication

    manajer.email = "kabid@example.go.id"
    manajer.save()
    call_command(
        "monthly_report",
        "2023-06",
        "--publish",
        "--email",
        "--user",
        "manajer",
        stdout=io.StringIO(),
    )
    publication = Publication.objects.get()
    assert publication.requested_by == manajer
    (mail,) = mailoutbox
    assert publication.number in mail.body
    assert publication.verification_url in mail.body
    attached = {name: content for name, content, _type in mail.attachments}
    assert attached == {
        "laporan-kim-2023-06-35.07-terbitan-1.pdf": bytes(
            publication.files.get(format="pdf").content
        ),
        "laporan-kim-2023-06-35.07-terbitan-1.xlsx": bytes(
            publication.files.get(format="xlsx").content
        ),
    }


def test_targets_page(manager_client, demo):
    url = reverse("reports:targets")
    response = manager_client.post(url, {"year": "2024", "kim_count": "0", "note": ""})
    assert "minimal 1" in response.content.decode()
    response = manager_client.post(url, {"year": "1999", "kim_count": "10", "note": ""})
    assert "Tahun 1999 terlalu awal" in response.content.decode()
    response = manager_client.post(url, {"year": "2101", "kim_count": "10", "note": ""})
    assert "antara 2000 dan 2100" in response.content.decode()
    response = manager_client.post(url, {"year": "2024", "kim_count": "300", "note": "RPJMD"})
    assert response.status_code == 302
    response = manager_client.post(url, {"year": "2024", "kim_count": "310", "note": "Revisi"})
    assert Target.objects.get(year=2024).kim_count == 310
    assert Target.objects.get(year=2024).history.count() == 2


def test_open_data_has_no_personal_data(manager_client, demo):
    from villages.models import KIM

    KIM.objects.update(chair_name="Nama Rahasia", chair_phone="+6281299990000")
    response = manager_client.get(
        reverse("reports:open_data", args=["csv"]), {"tanggal": "2025-09-24"}
    )
    rows = csv_rows(response)
    assert len(rows) == 250
    assert sum(r["aktif"] == "ya" for r in rows) == 75
    assert "Rahasia" not in response.content.decode()
    data = json.loads(
        manager_client.get(
            reverse("reports:open_data", args=["json"]), {"tanggal": "2023-06-25"}
        ).content
    )
    assert data["jumlah"] == 215
    assert set(data["kim"][0]) == {
        "kode_kecamatan",
        "nama_kecamatan",
        "kode_desa",
        "nama_desa",
        "nama_kim",
        "tanggal_pembentukan",
        "tingkat",
        "aktif",
    }
    assert manager_client.get("/laporan/data-terbuka/kim.xml").status_code == 400


def test_only_managers_reach_reports(client, staf, user, demo):
    urls = [
        reverse("reports:index"),
        reverse("reports:monthly", args=["2023-06"]),
        reverse("reports:monthly", args=["2023-06"]) + "?format=xlsx",
        reverse("reports:targets"),
        reverse("reports:open_data", args=["csv"]),
    ]
    for who in (staf, user):
        client.force_login(who)
        for url in urls:
            assert client.get(url).status_code == 403, (who, url)
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302


def test_running_month_is_as_of_today(demo):
    today = timezone.localdate()
    assert monthly.report_date(today.replace(day=1)) == today


def test_target_year_not_before_the_earliest_date(manager_client, malang, settings):
    """Issue 13, finding 3: targets obey KIM_EARLIEST_DATE too."""
    settings.KIM_EARLIEST_DATE = datetime.date(2010, 1, 1)
    response = manager_client.post(
        reverse("reports:targets"), {"year": "2005", "kim_count": "10", "note": ""}
    )
    assert "Tahun 2005 terlalu awal" in response.content.decode()
    assert not Target.objects.exists()
