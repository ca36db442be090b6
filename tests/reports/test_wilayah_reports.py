"""Reports and the dashboard of any wilayah (issue 16, point 5): a kecamatan, a kabupaten/kota or
a provinsi, every figure from the same definitions as the dashboard of that wilayah; with more
than one kabupaten/kota in the database the report asks for a wilayah."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kimtracker.dates import month_end
from reports import coverage, exports, monthly
from villages.models import KIM, Desa, Kecamatan

from ..factories import (
    DesaFactory,
    KabupatenFactory,
    KecamatanFactory,
    KIMFactory,
    ProvinsiFactory,
    kota_batu,
)

D = datetime.date
JUNE = D(2023, 6, 1)
JUNE_END = D(2023, 6, 30)

# The figures a report and a dashboard share: ``coverage.Summary`` attributes.
FIGURES = (
    "kim_formed",
    "kim_active",
    "kim_mandiri",
    "desa_total",
    "desa_covered",
    "coverage_percent",
    "kecamatan_total",
    "kecamatan_without_active_kim",
    "active_by_level",
)


def figures(summary: coverage.Summary) -> dict:
    return {name: getattr(summary, name) for name in FIGURES}


@pytest.fixture
def manager_client(client, manajer):
    client.force_login(manajer)
    return client


def semarang():
    """A second, small kabupaten in another provinsi: Kota Semarang (33.74), one kecamatan,
    two desa, one KIM formed in March 2023."""
    jateng = ProvinsiFactory(code="33", name="JAWA TENGAH")
    kota = KabupatenFactory(code="33.74", name="KOTA SEMARANG", provinsi=jateng)
    tengah = KecamatanFactory(kabupaten=kota, code="33.74.01", name="SEMARANG TENGAH")
    pekunden = DesaFactory(kecamatan=tengah, code="33.74.01.1001", name="PEKUNDEN")
    DesaFactory(kecamatan=tengah, code="33.74.01.1002", name="KARANGKIDUL")
    KIMFactory(desa=pekunden, name="KIM Pekunden Sejahtera", formed_on=D(2023, 3, 1))
    return kota


SEMARANG_WORDS = ("33.74", "Semarang", "SEMARANG", "PEKUNDEN", "Pekunden", "KARANGKIDUL")


def malang_words() -> list[str]:
    """Names and codes only Kabupaten Malang has: its kecamatan and some of its desa."""
    return [
        "35.07",
        "Malang",
        "MALANG",
        "Poncokusumo",
        "Wajak",
        *Desa.objects.filter(kecamatan__code="35.07.08").values_list("name", flat=True)[:5],
    ]


def without_selector(html: str) -> str:
    """The page without its wilayah selector (navigation: it names every kabupaten/kota)."""
    return re.sub(r"<form[^>]*data-wilayah-form.*?</form>", "", html, flags=re.S)


def xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


# Agreement with the dashboard -------------------------------------------------------------


@pytest.mark.parametrize("code", ["35.07.07", "35.07.08", "35.07", "35"])
def test_the_june_2023_report_of_a_wilayah_agrees_with_its_dashboard(demo, manager_client, code):
    dashboard = manager_client.get("/", {"tanggal": "2023-06-30", "wilayah": code})
    assert dashboard.status_code == 200
    page = manager_client.get("/laporan/bulanan/2023-06/", {"wilayah": code})
    assert page.status_code == 200
    report = page.context["report"]
    assert report.as_of == JUNE_END
    assert report.wilayah == monthly.resolve_wilayah(code)
    assert figures(report.summary) == figures(dashboard.context["summary"])
    assert figures(report.summary) == figures(coverage.summary(JUNE_END, code))
    # The lists too: KIM needing a check, kecamatan without an active KIM.
    assert len(report.kim_needing_check) == dashboard.context["needing_check_count"]
    assert [k.code for k in report.summary.kecamatan_without_active] == [
        k.code for k in dashboard.context["summary"].kecamatan_without_active
    ]
    # The page shows the wilayah's name.
    assert report.area_name in page.content.decode()
    assert report.area_name in dashboard.content.decode()


def test_the_kecamatan_report_of_poncokusumo(demo):
    report = monthly.build(JUNE, monthly.resolve_wilayah("35.07.07"))
    assert report.area_name == "Kecamatan Poncokusumo"
    assert [line.code for line in report.kecamatan] == ["35.07.07"]
    assert report.summary.kim_mandiri == 1
    assert [kim.name for kim in report.kim_mandiri] == ["KIM Gubugklakah"]
    assert all(
        d.code.startswith("35.07.07.") for ds in report.desa_without_kim.values() for d in ds
    )
    assert all(k.desa.code.startswith("35.07.07.") for k in report.kim_needing_check)
    assert all(k.desa.kecamatan.code == "35.07.07" for k in report.formed_this_month)
    # Targets are set for the whole database: not for a part of it.
    assert report.summary.target is None
    assert exports.filename(report, "xlsx") == "laporan-kim-2023-06-35.07.07.xlsx"
    assert report.kecamatan_rows()[-1][5] == report.summary.kim_formed


def test_the_default_report_is_the_kabupaten_report(demo):
    default = monthly.build(JUNE)
    explicit = monthly.build(JUNE, monthly.resolve_wilayah("35.07"))
    assert (
        default.wilayah
        == explicit.wilayah
        == monthly.Wilayah("35.07", "Kabupaten Malang", "kabupaten")
    )
    assert default.area_name == "Kabupaten Malang"
    assert default.kecamatan_rows() == explicit.kecamatan_rows()
    assert figures(default.summary) == figures(explicit.summary)
    assert default.summary.target.kim_count == 240
    # The default wilayah keeps the plain file name, even asked by its code.
    assert exports.filename(default, "xlsx") == "laporan-kim-2023-06.xlsx"
    assert exports.filename(explicit, "xlsx") == "laporan-kim-2023-06.xlsx"


@pytest.mark.parametrize("month", ["2023-06", "2025-09"])
def test_the_kecamatan_reports_add_up_to_the_kabupaten_report(demo, month):
    first_day = monthly.parse_month(month)
    kabupaten = monthly.build(first_day)
    codes = list(Kecamatan.objects.order_by("code").values_list("code", flat=True))
    assert len(codes) == 33
    parts = [monthly.build(first_day, monthly.resolve_wilayah(code)) for code in codes]
    for name in ("kim_formed", "kim_active", "kim_mandiri", "desa_total", "desa_covered"):
        assert sum(getattr(p.summary, name) for p in parts) == getattr(kabupaten.summary, name)
        for against in ("previous_month", "previous_december"):
            assert sum(p.change(name, against) for p in parts) == kabupaten.change(name, against)
    assert sum(p.summary.kecamatan_without_active_kim for p in parts) == (
        kabupaten.summary.kecamatan_without_active_kim
    )
    # Each kecamatan's one row is its row in the kabupaten's table.
    assert [p.kecamatan_rows()[0] for p in parts] == kabupaten.kecamatan_rows()[:-1]
    for listing in ("formed_this_month", "status_events", "kim_needing_check", "kim_mandiri"):
        assert sum(len(getattr(p, listing)) for p in parts) == len(getattr(kabupaten, listing))
    assert sorted((event.kim.pk, event.kind) for p in parts for event in p.status_events) == sorted(
        (event.kim.pk, event.kind) for event in kabupaten.status_events
    )
    assert {k: v for p in parts for k, v in p.desa_without_kim.items()} == (
        kabupaten.desa_without_kim
    )
    if month == "2025-09":
        assert kabupaten.status_events, "the month has deactivations to split"


def test_the_provinsi_report_has_a_row_per_kabupaten(demo):
    kota_batu()
    report = monthly.build(JUNE, monthly.resolve_wilayah("35"))
    assert report.wilayah == monthly.Wilayah("35", "Provinsi Jawa Timur", "provinsi")
    assert report.kecamatan_header()[1] == "Kabupaten/kota"
    *rows, total = report.kecamatan_rows()
    assert [row[:2] for row in rows] == [["35.07", "Kabupaten Malang"], ["35.79", "Kota Batu"]]
    malang = monthly.build(JUNE, monthly.resolve_wilayah("35.07"))
    batu = monthly.build(JUNE, monthly.resolve_wilayah("35.79"))
    # Each kabupaten's row is the total row of its own report; the provinsi's total adds them.
    assert rows[0][2:] == malang.kecamatan_rows()[-1][2:]
    assert rows[1][2:] == batu.kecamatan_rows()[-1][2:]
    percent_column = 4
    for column in range(2, len(total)):
        if column != percent_column:
            assert total[column] == rows[0][column] + rows[1][column]
    assert report.summary.desa_total == 391
    # Every file reads the same rows.
    csv_text = exports.to_csv(report).decode("utf-8-sig")
    assert "Kabupaten/kota" in csv_text
    assert "Kota Batu" in csv_text
    assert "Per kabupaten-kota" in load_workbook(io.BytesIO(exports.to_xlsx(report))).sheetnames


def test_the_provinsi_pdf_charts_its_kabupaten(demo):
    pytest.importorskip("weasyprint")
    kota_batu()
    report = monthly.build(JUNE, monthly.resolve_wilayah("35"))
    context = exports.pdf_context(report)
    assert "Kota Batu" in context["kecamatan_chart"]
    try:
        assert exports.to_pdf(report).startswith(b"%PDF")
    except exports.PDFUnavailable:
        pytest.skip("no Pango on this machine")


# Several kabupaten/kota --------------------------------------------------------------------


def test_with_two_kabupaten_the_report_asks_for_a_wilayah(demo, manager_client):
    semarang()
    response = manager_client.get("/laporan/bulanan/2023-06/")
    assert response.status_code == 200
    assert "report" not in response.context
    html = response.content.decode()
    assert "data-wilayah-required" in html
    assert 'value="35.07"' in html
    assert 'value="33.74"' in html
    assert 'value="35"' in html
    assert 'value="33"' in html
    # No figure and no desa of either kabupaten.
    for name in ("PEKUNDEN", "KARANGKIDUL", *malang_words()[3:]):
        assert name not in html
    assert "data-summary" not in html
    assert "data-per-kecamatan" not in html
    # A file asked for before its wilayah: the choice keeps the format.
    html = manager_client.get("/laporan/bulanan/2023-06/", {"format": "xlsx"}).content.decode()
    assert '<input type="hidden" name="format" value="xlsx">' in html
    with pytest.raises(monthly.WilayahRequired):
        monthly.build(JUNE)
    with pytest.raises(CommandError, match="--wilayah"):
        call_command("monthly_report", "2023-06", "--output", "/dev/null", stdout=io.StringIO())


def test_a_kabupaten_report_holds_nothing_of_the_other(demo, manager_client, tmp_path):
    semarang()
    url = "/laporan/bulanan/2023-06/"
    for code, foreign in (("35.07", SEMARANG_WORDS), ("33.74", malang_words())):
        page = manager_client.get(url, {"wilayah": code})
        assert page.status_code == 200
        texts = {
            "html": without_selector(page.content.decode()),
            "csv": manager_client.get(url, {"wilayah": code, "format": "csv"}).content.decode(),
            "xlsx": xlsx_text(manager_client.get(url, {"wilayah": code, "format": "xlsx"}).content),
        }
        for kind, text in texts.items():
            for word in foreign:
                assert word not in text, f"{code} {kind} names {word!r}"
    semarang_report = monthly.build(JUNE, monthly.resolve_wilayah("33.74"))
    assert (semarang_report.summary.kim_formed, semarang_report.summary.desa_total) == (1, 2)
    assert semarang_report.area_name == "Kota Semarang"
    # With two kabupaten none is the default: every file name says which.
    response = manager_client.get(url, {"wilayah": "35.07", "format": "xlsx"})
    assert "laporan-kim-2023-06-35.07.xlsx" in response["Content-Disposition"]
    # The command writes one wilayah's report.
    output = tmp_path / "semarang.csv"
    call_command(
        "monthly_report",
        "2023-06",
        "--wilayah",
        "33.74",
        "--format",
        "csv",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    assert "PEKUNDEN" not in output.read_text(encoding="utf-8-sig")
    assert "SEMARANG TENGAH" in output.read_text(encoding="utf-8-sig")


def test_the_page_keeps_the_wilayah_in_its_links_and_offers_a_selector(demo, manager_client):
    html = manager_client.get("/laporan/bulanan/2023-06/", {"wilayah": "35.07.07"}).content
    html = html.decode()
    assert 'href="?wilayah=35.07.07&amp;format=xlsx"' in html
    assert 'name="format"' not in html
    assert re.search(r'<option value="35.07.07" selected>', html)
    # The default report: plain links, its kabupaten selected.
    html = manager_client.get("/laporan/bulanan/2023-06/").content.decode()
    assert 'href="?format=xlsx"' in html
    assert '<option value="35.07" selected>' in html


@pytest.mark.parametrize("code", ["99.99", "35.07.99", "abc", "35.07.07.2016", "35."])
def test_an_unknown_wilayah_is_refused_with_its_reason(demo, manager_client, code):
    response = manager_client.get("/laporan/bulanan/2023-06/", {"wilayah": code})
    assert response.status_code == 400
    assert "tidak dikenal" in response.content.decode()
    with pytest.raises(CommandError, match="tidak dikenal"):
        call_command(
            "monthly_report",
            "2023-06",
            "--wilayah",
            code,
            "--output",
            "/dev/null",
            stdout=io.StringIO(),
        )


# The dashboard of a wilayah --------------------------------------------------------------


def test_the_dashboard_of_a_kecamatan_agrees_with_its_detail_page(demo, staff_client):
    params = {"tanggal": "2023-06-30"}
    detail = staff_client.get("/kecamatan/35.07.07/", params).context["object"]
    dashboard = staff_client.get("/", {**params, "wilayah": "35.07.07"})
    s = dashboard.context["summary"]
    assert (s.kim_formed, s.kim_active, s.desa_covered, s.desa_total) == (
        detail.kim_formed,
        detail.kim_active,
        detail.desa_covered,
        detail.desa_total,
    )
    html = dashboard.content.decode()
    assert "Kecamatan Poncokusumo" in html
    # The links to the lists keep the kecamatan.
    assert "aktif=ya&amp;kecamatan=35.07.07" in html
    assert [bar["name"] for bar in dashboard.context["bar_chart"]] == ["Poncokusumo"]
    assert all(kim.desa.kecamatan.code == "35.07.07" for kim in dashboard.context["needing_check"])


def test_the_dashboard_selector_offers_kecamatan_or_kabupaten(demo, staff_client):
    html = staff_client.get("/").content.decode()
    assert "data-wilayah-form" in html
    assert 'value="35.07.08"' in html
    semarang()
    html = staff_client.get("/", {"wilayah": "33.74"}).content.decode()
    assert '<option value="33.74" selected>' in html
    assert 'value="35"' in html
    assert 'value="35.07.08"' not in html


@pytest.mark.parametrize("code", ["99", "x", "35.07.07.2016"])
def test_the_dashboard_of_an_unknown_wilayah_shows_everything_and_says_why(
    demo, staff_client, code
):
    response = staff_client.get("/", {"tanggal": "2023-06-30", "wilayah": code})
    assert response.status_code == 200
    assert "tidak dikenal" in response.content.decode()
    assert figures(response.context["summary"]) == figures(coverage.summary(JUNE_END))


def test_the_scoped_dashboard_reads_as_many_queries_whatever_the_wilayah(demo, staff_client):
    counts = {}
    for code in ("35.07.07", "35.07", "35"):
        with CaptureQueriesContext(connection) as queries:
            assert (
                staff_client.get("/", {"tanggal": "2023-06-30", "wilayah": code}).status_code == 200
            )
        counts[code] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        staff_client.get("/", {"tanggal": "2023-06-30"})
    # One kecamatan or 33: the same reads, one more than the whole (the wilayah's name).
    assert counts["35.07.07"] == counts["35.07"] == counts["35"] == len(queries) + 1


# The figures within a wilayah ----------------------------------------------------------------


@pytest.mark.parametrize("within", ["35.07.07", "35.07.08", "35.07.33", "35.07", "35"])
def test_the_monthly_series_of_a_wilayah_agrees_with_its_summary(demo, within):
    on = D(2025, 9, 15)
    series = coverage.monthly_series(on, until=D(2026, 12, 31), within=within)
    assert series.months[-1] == "2026-12"
    points = [
        (month, formed, active)
        for month, formed, active in zip(series.months, series.formed, series.active, strict=True)
        if formed is not None
    ]
    assert points[-1][0] == "2025-09"
    for month, formed, active in points:
        year, number = map(int, month.split("-"))
        day = min(month_end(year, number), on)
        s = coverage.summary(day, within)
        assert (formed, active) == (s.kim_formed, s.kim_active), month
    if within in ("35.07", "35"):
        whole = coverage.monthly_series(on, until=D(2026, 12, 31))
        assert series == whole


def test_a_scoped_summary_costs_no_query_more(demo):
    with CaptureQueriesContext(connection) as whole:
        coverage.summary(JUNE_END)
    with CaptureQueriesContext(connection) as scoped:
        coverage.summary(JUNE_END, "35.07.07")
    assert len(scoped) == len(whole)


def test_the_provinsi_pdf_counts_its_long_lists_per_kabupaten(demo):
    """A provinsi's PDF counts the KIM needing a check and the desa without an active KIM per
    kabupaten/kota instead of naming thousands of them; the counts are those of each
    kabupaten's own report, and a kabupaten's PDF still names them."""
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    kota_batu()
    month = D(2025, 9, 1)
    report = monthly.build(month, monthly.resolve_wilayah("35"))
    lines = {line.code: line for line in exports.pdf_context(report)["lists_by_kabupaten"]}
    assert list(lines) == ["35.07", "35.79"]
    for code, line in lines.items():
        own = monthly.build(month, monthly.resolve_wilayah(code))
        assert line.kim_needing_check == len(own.kim_needing_check)
        assert line.desa_without_kim == sum(len(d) for d in own.desa_without_kim.values())
    assert lines["35.79"].desa_without_kim == 1  # Dadaprejo
    assert lines["35.07"].desa_without_kim > 100
    malang = monthly.build(month, monthly.resolve_wilayah("35.07"))
    assert exports.pdf_context(malang)["lists_by_kabupaten"] is None
    try:
        provinsi_pdf, kabupaten_pdf = exports.to_pdf(report), exports.to_pdf(malang)
    except exports.PDFUnavailable:
        pytest.skip("no Pango on this machine")

    def text(content: bytes) -> str:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)

    # A desa without a KIM ever and not named like a kecamatan: its name is in no other list.
    kecamatan_names = {k.name.lower() for k in Kecamatan.objects.all()}
    with_kim = set(KIM.objects.values_list("desa__code", flat=True))
    a_desa_without = next(
        desa.name
        for desas in malang.desa_without_kim.values()
        for desa in desas
        if desa.code not in with_kim and desa.name.lower() not in kecamatan_names
    )
    assert a_desa_without in text(kabupaten_pdf)
    provinsi_text = text(provinsi_pdf)
    assert "per kabupaten/kota" in provinsi_text
    assert a_desa_without not in provinsi_text
