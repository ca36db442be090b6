"""Kabupaten side by side (issue 17, point 3): for a provinsi the dashboard and the comparison
page show each kabupaten/kota with the figures of its own dashboard, sortable, as CSV, XLSX and
a chart, and lead down to its kecamatan and their desa; within the reader's wilayah only."""

import csv
import datetime
import io
import json
import re

import pytest
from openpyxl import load_workbook

from reports import comparison, coverage
from reports.services import set_target

from ..conftest import user_with_role
from ..factories import (
    DesaFactory,
    KabupatenFactory,
    KecamatanFactory,
    KIMFactory,
    ProvinsiFactory,
    kota_batu,
)

D = datetime.date
ON = "2023-06-30"


@pytest.fixture
def province(demo):
    """Kabupaten Malang with its demo and Kota Batu with two kecamatan, three desa and two
    KIM (one formed after June 2023), each kabupaten with a 2023 target."""
    batu = kota_batu()
    bumiaji = KecamatanFactory(kabupaten=batu, code="35.79.02", name="BUMIAJI")
    giripurno = DesaFactory(kecamatan=bumiaji, code="35.79.02.2001", name="GIRIPURNO")
    DesaFactory(kecamatan=bumiaji, code="35.79.02.2002", name="TULUNGREJO")
    KIMFactory(desa=giripurno, name="KIM Giripurno Lestari", formed_on=D(2022, 5, 1))
    KIMFactory(
        desa=batu.kecamatan.get(code="35.79.03").desa.get(),
        name="KIM Dadaprejo",
        formed_on=D(2024, 2, 1),
    )
    set_target(year=2023, kim_count=3, by=None, wilayah_code="35.79")
    return batu


@pytest.fixture
def staf_client(client, staf):
    client.force_login(staf)
    return client


def page_rows(response) -> dict[str, comparison.AreaRow]:
    return {row.code: row for row in response.context["table"]["rows"]}


FIGURES = (
    "desa_total",
    "desa_covered",
    "coverage_percent",
    "kim_formed",
    "kim_active",
    "target",
    "target_percent",
    "target_missing",
)


def test_each_kabupaten_row_is_its_own_dashboard(province, staf_client):
    """Every figure of a kabupaten's row is what that kabupaten's dashboard shows, and the rows
    add up to the provinsi's dashboard."""
    response = staf_client.get("/laporan/perbandingan/", {"wilayah": "35", "tanggal": ON})
    assert response.status_code == 200
    rows = page_rows(response)
    assert list(rows) == ["35.07", "35.79"]
    for code, row in rows.items():
        dashboard = staf_client.get("/", {"wilayah": code, "tanggal": ON}).context
        summary = dashboard["summary"]
        assert row.kim_formed == summary.kim_formed
        assert row.kim_active == summary.kim_active
        assert row.desa_covered == summary.desa_covered
        assert row.desa_total == summary.desa_total
        assert row.coverage_percent == summary.coverage_percent
        assert row.target == summary.target.kim_count
        assert row.target_missing == summary.target_missing
        assert row.kim_needing_check == dashboard["needing_check_count"]
    malang, batu = rows["35.07"], rows["35.79"]
    # The published figures of Kabupaten Malang, and Kota Batu's one KIM formed by then.
    assert (malang.kim_formed, malang.kim_active, malang.target) == (215, 215, 240)
    assert malang.target_percent == round(100 * 215 / 240, 1)
    assert (batu.kim_formed, batu.desa_total, batu.target, batu.target_missing) == (1, 3, 3, 2)
    total = response.context["comparison"].total
    province_dashboard = staf_client.get("/", {"wilayah": "35", "tanggal": ON}).context
    assert total.kim_formed == province_dashboard["summary"].kim_formed == 216
    assert total.desa_total == sum(r.desa_total for r in rows.values())
    assert total.kim_needing_check == province_dashboard["needing_check_count"]


def test_the_dashboard_of_a_provinsi_shows_its_kabupaten_side_by_side(province, staf_client):
    html = staf_client.get("/", {"wilayah": "35", "tanggal": ON}).content.decode()
    section = re.search(r"<section[^>]*data-dashboard-comparison.*?</section>", html, re.S)
    assert section, "no comparison on the provinsi's dashboard"
    assert re.findall(r'data-code="([\d.]+)"', section.group()) == ["35.07", "35.79"]
    # A kabupaten's own dashboard has no such table (its kecamatan are its chart), but a link.
    html = staf_client.get("/", {"wilayah": "35.79", "tanggal": ON}).content.decode()
    assert "data-dashboard-comparison" not in html
    assert "/laporan/perbandingan/?tanggal=2023-06-30&amp;wilayah=35.79" in html


@pytest.mark.parametrize(
    ("wilayah", "sort", "key", "reverse"),
    [
        ("35.07", "coverage_percent", "coverage_percent", False),
        ("35.07", "-coverage_percent", "coverage_percent", True),
        ("35.07", "-kim_formed", "kim_formed", True),
        ("35.07", "-name", "name", True),
        ("35", "target_missing", "target_missing", False),
        ("35", "-target_percent", "target_percent", True),
    ],
)
def test_sortable_by_any_figure(province, staf_client, wilayah, sort, key, reverse):
    response = staf_client.get(
        "/laporan/perbandingan/", {"wilayah": wilayah, "tanggal": ON, "sort": sort}
    )
    shown = [getattr(row, key) for row in response.context["table"]["rows"]]
    assert len(shown) == (33 if wilayah == "35.07" else 2)
    assert len(set(shown)) > 1, "a sort that cannot show anything"
    assert shown == sorted(shown, reverse=reverse)


def test_areas_without_a_target_sort_without_error(province, staf_client):
    response = staf_client.get(
        "/laporan/perbandingan/", {"wilayah": "35.07", "tanggal": ON, "sort": "-target_missing"}
    )
    assert response.status_code == 200
    assert {row.target_missing for row in response.context["table"]["rows"]} == {None}
    assert "—" in response.content.decode()


def test_from_a_kabupaten_down_to_its_kecamatan_and_desa(province, staf_client):
    html = staf_client.get("/laporan/perbandingan/", {"wilayah": "35", "tanggal": ON})
    down = re.search(r'data-code="35.07".*?href="([^"]+)" data-down', html.content.decode(), re.S)
    kabupaten = staf_client.get(down.group(1).replace("&amp;", "&"))
    assert kabupaten.context["comparison"].level == "kecamatan"
    rows = page_rows(kabupaten)
    assert len(rows) == 33
    assert sum(r.kim_formed for r in rows.values()) == 215
    assert rows["35.07.08"].kim_formed == 0  # Wajak had none in mid-2023 (published)
    link = re.search(
        r'data-code="35.07.07".*?href="([^"]+)" data-down', kabupaten.content.decode(), re.S
    )
    kecamatan = staf_client.get(link.group(1).replace("&amp;", "&"))
    assert kecamatan.status_code == 200
    assert "Gubugklakah" in kecamatan.content.decode()


def test_figures_as_of_a_past_date(province, staf_client):
    for on in (D(2019, 12, 31), D(2025, 9, 24)):
        rows = page_rows(
            staf_client.get("/laporan/perbandingan/", {"wilayah": "35", "tanggal": on})
        )
        assert rows["35.07"].kim_formed == coverage.summary(on, "35.07").kim_formed
        assert rows["35.07"].kim_active == coverage.summary(on, "35.07").kim_active
    assert rows["35.79"].kim_formed == 2  # Dadaprejo's KIM, formed in 2024, counts by 2025


def test_csv_and_xlsx_hold_the_rows_and_total_of_the_page(province, staf_client):
    params = {"wilayah": "35", "tanggal": ON}
    page = staf_client.get("/laporan/perbandingan/", params)
    rows = list(page_rows(page).values()) + [page.context["comparison"].total]
    expected = [comparison.values(row) for row in rows]

    response = staf_client.get("/laporan/perbandingan/", {**params, "format": "csv"})
    assert response["Content-Disposition"] == (
        'attachment; filename="perbandingan-35-2023-06-30.csv"'
    )
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][0].startswith("DATA DEMO")  # the demo KIM of Malang count
    header_at = lines.index(comparison.header(page.context["comparison"]))
    body = lines[header_at + 1 :]
    assert body == [["" if v is None else str(v) for v in row] for row in expected]

    response = staf_client.get("/laporan/perbandingan/", {**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    last = 1 + len(expected)
    cells = [list(r) for r in sheet.iter_rows(min_row=2, max_row=last, values_only=True)]
    assert cells == [[None if v == "" else v for v in row] for row in expected]
    assert "DATA DEMO" in sheet.oddHeader.center.text


def test_a_kecamatan_name_like_a_formula_is_text_in_the_files(province, staf_client):
    KecamatanFactory(kabupaten=province, code="35.79.01", name='=HYPERLINK("x")')
    DesaFactory(kecamatan=province.kecamatan.get(code="35.79.01"), code="35.79.01.2001")
    params = {"wilayah": "35.79", "tanggal": ON}
    content = staf_client.get("/laporan/perbandingan/", {**params, "format": "csv"}).content
    assert "'=HYPERLINK" in content.decode("utf-8-sig")
    book = staf_client.get("/laporan/perbandingan/", {**params, "format": "xlsx"}).content
    sheet = load_workbook(io.BytesIO(book)).worksheets[0]
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert '\'=HYPERLINK("x")' in names


def test_an_unoffered_format_is_refused(province, staf_client):
    response = staf_client.get("/laporan/perbandingan/", {"wilayah": "35", "format": "pdf"})
    assert response.status_code == 400


def test_the_chart_has_every_area_highest_coverage_first(province, staf_client):
    html = staf_client.get("/laporan/perbandingan/", {"wilayah": "35", "tanggal": ON})
    data = re.search(
        r'<script id="comparison-chart-data" type="application/json">(.*?)</script>',
        html.content.decode(),
        re.S,
    )
    bars = json.loads(data.group(1))
    rows = page_rows(html)
    by_coverage = sorted(rows.values(), key=lambda r: -r.coverage_percent)
    assert [b["name"] for b in bars] == [r.name for r in by_coverage]
    assert [b["coverage"] for b in bars] == [r.coverage_percent for r in by_coverage]
    assert {b["target"] for b in bars} == {r.target_percent for r in rows.values()}


def test_a_kabupaten_office_sees_only_its_own(province, client):
    """A Staf of Kota Batu asking for the provinsi gets their kabupaten's kecamatan, with a
    message, and nothing of Kabupaten Malang in the page or the files."""
    reader = user_with_role("staf-batu", "Staf", wilayah=("35.79",))
    client.force_login(reader)
    response = client.get("/laporan/perbandingan/", {"wilayah": "35", "tanggal": ON})
    assert response.status_code == 200
    assert list(page_rows(response)) == ["35.79.02", "35.79.03"]
    html = response.content.decode()
    assert "di luar wilayah kerja Anda" in html
    for word in ("35.07", "MALANG", "Malang", "Poncokusumo", "DATA DEMO"):
        assert word not in html, word
    for file_format in ("csv", "xlsx"):
        content = client.get(
            "/laporan/perbandingan/", {"wilayah": "35.07", "format": file_format}
        ).content
        text = content.decode("utf-8-sig") if file_format == "csv" else xlsx_text(content)
        assert "35.07" not in text
        assert "Poncokusumo" not in text
        assert "35.79.02" in text


def test_a_provinsi_office_compares_its_kabupaten(province, client):
    reader = user_with_role("manajer-jatim", "Manajer", wilayah=("35",))
    client.force_login(reader)
    response = client.get("/", {"tanggal": ON})
    assert list(page_rows_of(response.context["comparison_table"])) == ["35.07", "35.79"]


def page_rows_of(table) -> dict:
    return {row.code: row for row in table["rows"]}


def xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def test_a_heading_sorts_ascending_then_descending_keeping_date_and_wilayah(province, staf_client):
    params = {"wilayah": "35.07", "tanggal": ON}
    html = staf_client.get("/laporan/perbandingan/", params).content.decode()
    link = re.search(r'href="([^"]+)" data-sort="kim_active"', html).group(1)
    assert link == "?wilayah=35.07&amp;tanggal=2023-06-30&amp;sort=kim_active"
    html = staf_client.get("/laporan/perbandingan/", {**params, "sort": "kim_active"})
    html = html.content.decode()
    assert 'aria-sort="ascending"' in html
    link = re.search(r'href="([^"]+)" data-sort="kim_active"', html).group(1)
    assert link.endswith("sort=-kim_active")
    # An unknown sort is ignored: code order, no error.
    response = staf_client.get("/laporan/perbandingan/", {**params, "sort": "-password"})
    codes = [row.code for row in response.context["table"]["rows"]]
    assert codes == sorted(codes)


def test_the_country_dashboard_links_to_its_provinsi_side_by_side(province, staf_client):
    """With several provinsi the dashboard shows no table (the country's KIM needing a check
    per kecamatan would cost it its speed), but links to the comparison of the provinsi."""
    jateng = ProvinsiFactory(code="33", name="JAWA TENGAH")
    kota = KabupatenFactory(code="33.74", name="KOTA SEMARANG", provinsi=jateng)
    DesaFactory(kecamatan=KecamatanFactory(kabupaten=kota, code="33.74.01"), code="33.74.01.1001")
    response = staf_client.get("/", {"tanggal": ON})
    assert response.context["comparison_table"] is None
    assert "data-comparison-page" in response.content.decode()
    rows = page_rows(staf_client.get("/laporan/perbandingan/", {"tanggal": ON}))
    assert list(rows) == ["33", "35"]
    assert rows["35"].kim_formed == 216
