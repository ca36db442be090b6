"""Reports read within the reader's wilayah (issue 17, points 1 and 2): the dashboard, the
map and its data, the follow-up list, the monthly report and its files, publications, the
reports page and open data show only the wilayah of ``villages.scope.of(user)``; targets are
set per kabupaten/kota or provinsi and each wilayah's figures use its own."""

import datetime
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports import coverage, monthly, publishing, services
from reports.models import Publication, Target
from villages import services as village_services
from villages.models import Desa, Kecamatan

from ..conftest import limit_to, user_with_role
from ..factories import kota_batu

JUNE_END = datetime.date(2023, 6, 30)
MID_2023 = datetime.date(2023, 6, 25)
SEPT_2025 = datetime.date(2025, 9, 24)

# What a reader of one kabupaten must never see of the other.
MALANG_WORDS = (
    "Kabupaten Malang",
    "KABUPATEN MALANG",
    "35.07.07",
    "Poncokusumo",
    "PONCOKUSUMO",
    "KIM Gubugklakah",
)
BATU_WORDS = ("Kota Batu", "KOTA BATU", "35.79", "Junrejo", "JUNREJO", "Dadaprejo", "DADAPREJO")
OTHER_WORDS = {"35.07": BATU_WORDS, "35.07.08": BATU_WORDS, "35.79": MALANG_WORDS}


@pytest.fixture
def province(demo):
    """The demo's Kabupaten Malang and Kota Batu, with one KIM registered in Batu."""
    kota_batu()
    village_services.register_kim(
        desa=Desa.objects.get(code="35.79.03.1001"),
        name="KIM Dadaprejo",
        formed_on=datetime.date(2022, 3, 1),
        by=None,
    )


def reader(client, code, role="Manajer"):
    """A client logged in as a ``role`` working within ``code`` (None: no wilayah)."""
    name = f"{role.lower()}-{code or 'none'}".replace(".", "-")
    user = user_with_role(name, role)
    if code is None:
        limit_to(user)
    else:
        limit_to(user, code)
    client.force_login(user)
    return client


def text_of(response) -> str:
    if response.get("Content-Type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ):
        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def assert_nothing_of(text: str, words, where: str) -> None:
    for word in words:
        assert word not in text, f"{word!r} in {where}"


@pytest.mark.parametrize("code", ["35.07", "35.79", "35.07.08"])
def test_the_dashboard_shows_the_readers_wilayah(client, province, code):
    reader(client, code, "Staf")
    response = client.get("/", {"tanggal": MID_2023.isoformat()})
    assert response.status_code == 200
    expected = coverage.summary(MID_2023, within=code)
    shown = response.context["summary"]
    assert (shown.kim_formed, shown.kim_active, shown.desa_total, shown.desa_covered) == (
        expected.kim_formed,
        expected.kim_active,
        expected.desa_total,
        expected.desa_covered,
    )
    assert [k.code for k in shown.kecamatan] == [k.code for k in expected.kecamatan]
    assert all(k.code == code or k.code.startswith(f"{code}.") for k in shown.kecamatan)
    html = response.content.decode()
    assert_nothing_of(html, OTHER_WORDS[code], f"dashboard of {code}")
    # The selector offers only the reader's wilayah.
    for choice, _name in response.context["wilayah_choices"][1]:
        assert choice == code or choice.startswith(f"{code}.")


def test_wajak_readers_see_the_dashboard_of_kecamatan_wajak(client, province):
    reader(client, "35.07.08", "Staf")
    response = client.get("/", {"tanggal": MID_2023.isoformat()})
    assert response.context["wilayah"].name == "Kecamatan Wajak"
    assert response.context["summary"].desa_total == 13
    # No KIM in Wajak at mid-2023 (DESIGN.md section 1); no target for a kecamatan.
    assert response.context["summary"].kim_active == 0
    assert response.context["summary"].target is None


def test_a_wilayah_outside_the_scope_gets_a_message_and_the_readers_own(client, province):
    reader(client, "35.79", "Staf")
    response = client.get("/", {"wilayah": "35.07", "tanggal": MID_2023.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "di luar wilayah kerja Anda" in html
    assert response.context["wilayah"].code == "35.79"
    assert response.context["summary"].kim_formed == 1
    assert_nothing_of(html.replace("35.07 di luar", ""), MALANG_WORDS, "refused dashboard")


def test_whole_country_readers_see_everything_as_before(client, province):
    reader(client, "", "Staf")
    response = client.get("/", {"tanggal": MID_2023.isoformat()})
    whole = coverage.summary(MID_2023)
    assert response.context["summary"].kim_formed == whole.kim_formed == 215 + 1
    assert response.context["wilayah"] is None


def test_readers_without_a_wilayah_see_nothing(client, province):
    reader(client, None, "Manajer")
    for url in (
        "/",
        "/peta/",
        reverse("reports:map_data"),
        reverse("reports:followup"),
        reverse("reports:index"),
        "/laporan/bulanan/2023-06/",
        reverse("reports:open_data", args=["csv"]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        text = response.content.decode()
        assert "belum diberi wilayah kerja" in text, url
        assert_nothing_of(text, MALANG_WORDS[2:] + BATU_WORDS, url)


def test_several_wilayah_make_a_union(client, province):
    user = user_with_role("manajer-dua", "Manajer")
    limit_to(user, "35.07.08", "35.79")
    client.force_login(user)
    response = client.get("/", {"tanggal": MID_2023.isoformat()})
    summary = response.context["summary"]
    assert summary.desa_total == 13 + 1
    assert summary.kim_formed == 1
    assert summary == coverage.summary(MID_2023, within=("35.07.08", "35.79"))
    assert {code for code, _name in response.context["wilayah_choices"][1]} == {
        "35.07.08",
        "35.79",
        "35.79.03",
    }
    # The monthly report asks which of them.
    response = client.get("/laporan/bulanan/2023-06/")
    assert "data-wilayah-required" in response.content.decode()
    assert "report" not in response.context


@pytest.mark.parametrize("code", ["35.07", "35.79", "35.07.08"])
def test_the_map_data_holds_only_the_readers_areas(client, province, code):
    Kecamatan.objects.update(boundary={"type": "Point", "coordinates": [112.6, -8.1]})
    Desa.objects.update(boundary={"type": "Point", "coordinates": [112.6, -8.1]})
    reader(client, code, "Staf")
    for level in ("kecamatan", "desa"):
        response = client.get(
            reverse("reports:map_data"), {"tingkat": level, "tanggal": MID_2023.isoformat()}
        )
        data = json.loads(response.content)
        codes = [f["properties"]["code"] for f in data["features"]]
        assert codes, level
        assert all(c == code or c.startswith(f"{code}.") for c in codes), level
        assert_nothing_of(response.content.decode(), OTHER_WORDS[code], f"map {level}")
    html = client.get("/peta/").content.decode()
    assert_nothing_of(html, OTHER_WORDS[code], "map page")


@pytest.mark.parametrize("code", ["35.07", "35.79", "35.07.08"])
def test_the_follow_up_list_and_its_xlsx(client, province, code):
    reader(client, code, "Staf")
    url = reverse("reports:followup")
    page = client.get(url, {"tanggal": SEPT_2025.isoformat()})
    assert page.status_code == 200
    assert_nothing_of(page.content.decode(), OTHER_WORDS[code], "follow-up")
    for choice, _name in page.context["area"]["choices"]:
        assert choice.startswith(f"{code}.") or choice == code
    xlsx = client.get(url, {"tanggal": SEPT_2025.isoformat(), "format": "xlsx"})
    assert_nothing_of(text_of(xlsx), OTHER_WORDS[code], "follow-up xlsx")
    # A kecamatan of the other kabupaten asked for: a message and the reader's own list.
    other = "35.79.03" if code != "35.79" else "35.07.08"
    refused = client.get(url, {"tanggal": SEPT_2025.isoformat(), "kecamatan": other})
    assert "di luar wilayah kerja Anda" in refused.content.decode()
    assert refused.context["chosen"] == ""


@pytest.mark.parametrize("code", ["35.07", "35.79", "35.07.08"])
def test_the_monthly_report_of_each_scope(client, province, code):
    reader(client, code)
    url = "/laporan/bulanan/2023-06/"
    response = client.get(url)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.wilayah.code == code
    expected = monthly.build(JUNE_END.replace(day=1), monthly.resolve_wilayah(code))
    assert report.kecamatan_rows() == expected.kecamatan_rows()
    assert_nothing_of(response.content.decode(), OTHER_WORDS[code], "monthly report")
    for kind in ("csv", "xlsx"):
        assert_nothing_of(
            text_of(client.get(url, {"format": kind})), OTHER_WORDS[code], f"report {kind}"
        )
    # Another kabupaten's report asked for: a message and the reader's own.
    other = "35.79" if code != "35.79" else "35.07"
    refused = client.get(url, {"wilayah": other})
    assert refused.context["report"].wilayah.code == code
    assert "di luar wilayah kerja Anda" in refused.content.decode()
    csv_refused = text_of(client.get(url, {"wilayah": other, "format": "csv"}))
    assert_nothing_of(csv_refused, OTHER_WORDS[code], "refused csv")


def test_the_kabupaten_malang_report_keeps_its_published_figures(client, province):
    reader(client, "35.07")
    report = client.get("/laporan/bulanan/2023-06/", {"tanggal": "2023-06-25"}).context["report"]
    assert report.summary.kim_formed == 215
    assert (report.summary.target.year, report.summary.target.kim_count) == (2023, 240)
    assert report.summary.target_missing == 25


@pytest.mark.parametrize("code", ["35.07", "35.79"])
def test_open_data_only_of_the_readers_wilayah(client, province, code):
    reader(client, code)
    for kind in ("csv", "json"):
        response = client.get(
            reverse("reports:open_data", args=[kind]), {"tanggal": SEPT_2025.isoformat()}
        )
        text = text_of(response)
        assert_nothing_of(text, OTHER_WORDS[code], f"open data {kind}")
    data = json.loads(
        client.get(
            reverse("reports:open_data", args=["json"]), {"tanggal": SEPT_2025.isoformat()}
        ).content
    )
    assert data["jumlah"] == (1 if code == "35.79" else 250)


def test_publishing_outside_the_scope_is_refused(client, province):
    reader(client, "35.79")
    response = client.post("/laporan/bulanan/2023-06/terbitkan/", {"wilayah": "35.07"})
    assert response.status_code == 302
    assert not Publication.objects.filter(wilayah_code="35.07").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("di luar wilayah kerja Anda" in m for m in messages)


def test_publications_of_another_wilayah_are_not_shown(client, province):
    publication = publishing.request_publication(
        datetime.date(2023, 6, 1),
        monthly.resolve_wilayah("35.07"),
        by=None,
        enqueue=lambda _pk: None,
        site_url="http://testserver/",
    )
    reader(client, "35.79")
    index = client.get(reverse("reports:index"))
    assert publication.number not in index.content.decode()
    version = client.get(
        reverse("reports:publication", args=["2023-06", publication.revision]),
        {"wilayah": "35.07"},
    )
    assert version.status_code == 404
    reader(client, "35.07")
    assert (
        client.get(
            reverse("reports:publication", args=["2023-06", publication.revision]),
            {"wilayah": "35.07"},
        ).status_code
        == 200
    )


# Targets per wilayah -----------------------------------------------------------------------


def test_the_demo_targets_are_kabupaten_malangs(province):
    assert set(Target.objects.values_list("wilayah_code", "year", "kim_count")) == {
        ("35.07", 2023, 240),
        ("35.07", 2026, 390),
    }
    # Two kabupaten and no target of the whole database: the whole has none of its own.
    assert coverage.summary(MID_2023).target is None
    assert coverage.summary(MID_2023, "35.07").target.kim_count == 240
    assert coverage.summary(MID_2023, "35.07").target_missing == 25
    assert coverage.summary(MID_2023, "35.79").target is None
    assert coverage.summary(MID_2023, "35.07.08").target is None


def test_a_provinsi_shows_its_own_target_and_its_kabupatens_sum(client, province):
    services.set_target(year=2023, kim_count=5, by=None, wilayah_code="35.79")
    services.set_target(year=2023, kim_count=300, by=None, wilayah_code="35")
    summary = coverage.summary(MID_2023, "35")
    assert summary.target.kim_count == 300
    assert summary.kabupaten_target == (2023, 245)
    reader(client, "35", "Staf")
    html = client.get("/", {"tanggal": MID_2023.isoformat()}).content.decode()
    assert "data-kabupaten-target" in html
    assert "245" in html


def test_a_manager_sets_targets_only_within_the_scope(client, province):
    reader(client, "35.79")
    url = reverse("reports:targets")
    page = client.get(url)
    assert [code for code, _name in page.context["form"].fields["wilayah_code"].choices] == [
        "35.79"
    ]
    assert_nothing_of(page.content.decode(), ("240", "390"), "targets page of Batu")
    response = client.post(url, {"wilayah_code": "35.79", "year": "2026", "kim_count": "10"})
    assert response.status_code == 302
    assert Target.objects.get(wilayah_code="35.79", year=2026).kim_count == 10
    response = client.post(url, {"wilayah_code": "35.07", "year": "2026", "kim_count": "1"})
    assert response.status_code == 200
    assert Target.objects.get(wilayah_code="35.07", year=2026).kim_count == 390
    with pytest.raises(Exception, match="wilayah kerja"):
        services.set_target(
            year=2026,
            kim_count=1,
            by=response.wsgi_request.user,
            wilayah_code="35.07",
        )


def test_the_migration_gives_existing_targets_to_the_only_kabupaten(malang):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("reports.migrations.0006_target_wilayah")
    Target.objects.create(year=2030, kim_count=400)
    migration.targets_to_the_only_kabupaten(apps, None)
    assert Target.objects.get(year=2030).wilayah_code == "35.07"
    # With two kabupaten they stay the whole database's.
    kota_batu()
    Target.objects.create(year=2031, kim_count=400)
    migration.targets_to_the_only_kabupaten(apps, None)
    assert Target.objects.get(year=2031).wilayah_code == ""
