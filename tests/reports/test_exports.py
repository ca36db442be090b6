"""The monthly report's files (reports.exports) and charts (reports.svg), read back and checked
against ``reports.coverage``: the published figures of June 2023 and September 2025 on the demo
data, one PDF rendering in all (WeasyPrint takes a second or two)."""

import csv
import datetime
import io
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import coverage, exports, followup, monthly, svg
from villages.models import Desa

D = datetime.date
SVG = "{http://www.w3.org/2000/svg}"
SHEETS = [
    "Ringkasan",
    "Per kecamatan",
    "KIM baru",
    "Perubahan status",
    "Desa tanpa KIM aktif",
    "Perlu verifikasi",
]
UNCOVERED_2023 = {"Wajak", "Kasembon", "Kalipare"}


def report_of(month: str) -> monthly.MonthlyReport:
    return monthly.build(monthly.parse_month(month))


def workbook_of(report):
    return load_workbook(io.BytesIO(exports.to_xlsx(report)))


def summary_values(sheet) -> dict[str, tuple]:
    """The Ringkasan rows by their label in column A: (value, vs last month, vs December)."""
    return {
        row[0].value: tuple(cell.value for cell in row[1:4])
        for row in sheet.iter_rows(min_row=1, max_col=4)
        if isinstance(row[0].value, str)
    }


def csv_rows(content: bytes) -> list[list[str]]:
    """The CSV's rows, without the DATA DEMO line a report on demo data starts with."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return rows[1:] if rows and rows[0][0].startswith("DATA DEMO") else rows


def test_filename():
    report = SimpleNamespace(label="2023-06")
    assert exports.filename(report, "xlsx") == "laporan-kim-2023-06.xlsx"
    assert exports.filename(report, "pdf") == "laporan-kim-2023-06.pdf"


def test_xlsx_of_june_2023(demo):
    report = report_of("2023-06")
    expected = coverage.summary(report.as_of)
    before = coverage.summary(datetime.date(2023, 5, 31))
    december = coverage.summary(datetime.date(2022, 12, 31))
    book = workbook_of(report)
    assert book.sheetnames == SHEETS

    sheet = book["Ringkasan"]
    assert sheet["A1"].value == "Kabupaten Malang"
    assert sheet["A2"].value == "Laporan bulanan KIM"
    assert sheet["A3"].value == "Juni 2023"
    assert sheet["A4"].value == "Keadaan per 30 Juni 2023"
    assert sheet["A5"].value.startswith("Dibuat ")
    assert sheet["A5"].value.endswith(" WIB")
    assert sheet.freeze_panes == "A8"
    values = summary_values(sheet)
    assert values["KIM dibentuk"] == (215, 215 - before.kim_formed, 215 - december.kim_formed)
    assert values["KIM aktif"][0] == expected.kim_active == 215
    assert values["KIM Berdaya/Mandiri"][0] == expected.kim_mandiri == 1
    assert values["Desa/kelurahan dengan KIM aktif"][0] == expected.desa_covered
    assert values["Kecamatan tanpa KIM aktif"][0] == 3
    assert values["Cakupan desa/kelurahan (%)"][0] == expected.coverage_percent
    assert values["Cakupan desa/kelurahan (%)"][1] == pytest.approx(
        expected.coverage_percent - before.coverage_percent, abs=0.05
    )
    assert values["Target tahun 2023"][0] == 240
    assert values["Tercapai"][0] == 215
    assert values["Kurang"][0] == 25 == expected.target_missing
    assert set(values) >= UNCOVERED_2023 | {"KIM Gubugklakah"}
    for label in ("KIM dibentuk", "KIM aktif", "Cakupan desa/kelurahan (%)", "Kurang"):
        assert all(isinstance(value, int | float) for value in values[label][:1])
    percent_cell = next(c for c in sheet["A"] if c.value == "Cakupan desa/kelurahan (%)")
    assert sheet.cell(row=percent_cell.row, column=2).number_format == "0.0"

    sheet = book["Per kecamatan"]
    assert sheet.freeze_panes == "C2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Kode",
        "Kecamatan",
        "Desa/kel.",
        "Desa dengan KIM aktif",
        "Cakupan (%)",
        "KIM dibentuk",
        "KIM aktif",
        "Pemula",
        "Berkembang",
        "Berdaya/Mandiri",
        "Baru bulan ini",
    )
    lines, total = rows[1:-1], rows[-1]
    assert len(lines) == 33
    assert total[1] == "Jumlah"
    for column in (2, 3, 5, 6, 7, 8, 9, 10):
        assert all(isinstance(line[column], int) for line in lines)
        assert sum(line[column] for line in lines) == total[column]
    assert total[2:8] == (
        expected.desa_total,
        expected.desa_covered,
        expected.coverage_percent,
        expected.kim_formed,
        expected.kim_active,
        expected.active_by_level["pemula"],
    )
    assert total[9] == expected.kim_mandiri
    assert total[10] == len(report.formed_this_month)
    by_code = {k.code: k for k in expected.kecamatan}
    for line in lines:
        row = by_code[line[0]]
        assert line[1:4] == (row.name, row.desa_total, row.desa_covered)
        assert line[4] == coverage.coverage_percent(row.desa_covered, row.desa_total)
        assert line[5:7] == (row.kim_formed, row.kim_active)
    assert {line[1] for line in lines if line[3] == 0} == UNCOVERED_2023
    assert all(sheet.cell(row=r, column=5).number_format == "0.0" for r in range(2, 36))

    sheet = book["KIM baru"]
    assert sheet.freeze_panes == "A2"
    new = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in new] == [kim.name for kim in report.formed_this_month]
    assert all(isinstance(row[0], datetime.datetime) for row in new)
    assert all(row[0].strftime("%Y-%m") == "2023-06" for row in new)
    assert sheet["A2"].is_date

    assert book["Perubahan status"]["A2"].value == "Tidak ada perubahan status pada bulan ini."

    sheet = book["Desa tanpa KIM aktif"]
    uncovered = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(uncovered) == expected.desa_total - expected.desa_covered
    wajak = [row for row in uncovered if row[0] == "Wajak"]
    assert len(wajak) == Desa.objects.filter(kecamatan__name="Wajak").count() == 13
    assert {row[3] for row in uncovered} <= {"Desa", "Kelurahan"}


def test_csv_of_june_2023(demo):
    report = report_of("2023-06")
    content = exports.to_csv(report)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(content)
    assert len(rows) == 1 + 33 + 1
    assert rows[0][:3] == ["Kode", "Kecamatan", "Desa/kel."]
    assert len(rows[0]) == 11
    expected = coverage.summary(report.as_of)
    total = rows[-1]
    assert total[1] == "Jumlah"
    assert [int(total[i]) for i in (2, 3, 5, 6)] == [
        expected.desa_total,
        expected.desa_covered,
        expected.kim_formed,
        expected.kim_active,
    ]
    assert float(total[4]) == expected.coverage_percent
    assert (int(total[5]), int(total[6])) == (215, 215)
    by_code = {k.code: k for k in expected.kecamatan}
    for row in rows[1:-1]:
        kecamatan = by_code[row[0]]
        assert row[1] == kecamatan.name
        assert [int(row[i]) for i in (2, 3, 5, 6)] == [
            kecamatan.desa_total,
            kecamatan.desa_covered,
            kecamatan.kim_formed,
            kecamatan.kim_active,
        ]
    assert {row[1] for row in rows[1:-1] if row[3] == "0"} == UNCOVERED_2023


def test_files_of_september_2025(demo):
    report = report_of("2025-09")
    expected = coverage.summary(report.as_of)
    book = workbook_of(report)
    values = summary_values(book["Ringkasan"])
    assert values["KIM dibentuk"][0] == expected.kim_formed == 250
    assert values["KIM aktif"][0] == expected.kim_active == 75
    assert values["Target tahun 2026"][0] == 390
    assert values["Kurang"][0] == 140
    events = list(book["Perubahan status"].iter_rows(min_row=2, values_only=True))
    assert len(events) == len(report.status_events) > 0
    assert [row[1] for row in events] == [event.kim.name for event in report.status_events]
    assert {row[4] for row in events} <= {
        "Naik tingkat",
        "Turun tingkat",
        "Tidak aktif",
        "Aktif kembali",
    }
    assert book["KIM baru"]["A2"].value == "Tidak ada KIM baru pada bulan ini."

    total = csv_rows(exports.to_csv(report))[-1]
    assert (int(total[5]), int(total[6])) == (250, 75)


def test_pdf_of_june_2023(demo):
    report = report_of("2023-06")
    content = exports.to_pdf(report)
    assert content.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    for expected in (
        "215",
        "240",
        "Wajak",
        "Kasembon",
        "Kalipare",
        "KIM Gubugklakah",
        "Laporan bulanan KIM",
        "Juni 2023",
        "30 Juni 2023",
        "Kepala Dinas Komunikasi dan Informatika Kabupaten Malang",
        "NIP.",
    ):
        assert expected in text, expected
    assert f"Halaman 1 dari {len(pages)}" in pages[0].extract_text()
    assert f"Halaman {len(pages)} dari {len(pages)}" in pages[-1].extract_text()
    assert "Kabupaten Malang · Laporan bulanan KIM Juni 2023" in pages[1].extract_text()


def test_signature_comes_from_the_settings(demo, settings):
    report = report_of("2023-06")
    context = exports.pdf_context(report)
    assert context["signature_place"] == "Kepanjen"
    assert context["signature_title"] == (
        "Kepala Dinas Komunikasi dan Informatika Kabupaten Malang"
    )
    settings.KIM_REPORT_SIGNATURE_PLACE = "Malang"
    settings.KIM_REPORT_SIGNATURE_TITLE = "Kepala Bidang Informasi"
    context = exports.pdf_context(report)
    assert (context["signature_place"], context["signature_title"]) == (
        "Malang",
        "Kepala Bidang Informasi",
    )


def test_charts_of_the_demo_are_well_formed(demo):
    report = report_of("2023-06")
    bars = ET.fromstring(svg.kecamatan_chart(report.kecamatan))
    groups = bars.findall(f"{SVG}g[@class='bar']")
    assert len(groups) == 33
    names = [group.find(f"{SVG}text").text for group in groups]
    assert set(names[-3:]) == UNCOVERED_2023  # sorted by coverage, highest first
    widths = [float(group.find(f"{SVG}rect").get("width")) for group in groups]
    assert widths == sorted(widths, reverse=True)

    series = exports.progress_series(report)
    chart = ET.fromstring(svg.progress_chart(series, report.summary.targets))
    assert len(chart.findall(f"{SVG}path[@class='target']")) == 2
    labels = {element.text for element in chart.iter(f"{SVG}text")}
    assert {"2017", "2023", "2026", "Target 2023: 240", "Target 2026: 390"} <= labels


def test_charts_escape_text_and_are_deterministic():
    lines = [
        SimpleNamespace(name='A <&> "B"', coverage_percent=50.0),
        SimpleNamespace(name="Zeta", coverage_percent=100.0),
        SimpleNamespace(name="Alpha", coverage_percent=0.0),
    ]
    chart = svg.kecamatan_chart(lines)
    assert chart == svg.kecamatan_chart(list(reversed(lines)))
    root = ET.fromstring(chart)
    names = [g.find(f"{SVG}text").text for g in root.findall(f"{SVG}g[@class='bar']")]
    assert names == ["Zeta", 'A <&> "B"', "Alpha"]
    values = [g.findall(f"{SVG}text")[1].text for g in root.findall(f"{SVG}g[@class='bar']")]
    assert values == ["100,0%", "50,0%", "0,0%"]

    series = coverage.MonthlySeries(
        months=["2022-11", "2022-12", "2023-01", "2023-02"],
        formed=[1, 3, None, None],
        active=[1, 2, None, None],
    )
    targets = [SimpleNamespace(year=2022, kim_count=5), SimpleNamespace(year=2030, kim_count=9)]
    chart = svg.progress_chart(series, targets)
    assert chart == svg.progress_chart(series, targets)
    root = ET.fromstring(chart)
    assert len(root.findall(f"{SVG}path[@class='target']")) == 1  # 2030 is off the axis
    formed = root.find(f"{SVG}polyline[@class='line-formed']")
    assert len(formed.get("points").split()) == 2  # months without figures are left out

    empty = ET.fromstring(svg.progress_chart(coverage.MonthlySeries([], [], []), []))
    assert "Belum ada data KIM." in {element.text for element in empty.iter(f"{SVG}text")}


def test_nice_maximum():
    assert svg.nice_maximum(390) == (400, 100)
    assert svg.nice_maximum(215) == (250, 50)
    assert svg.nice_maximum(0) == (1.0, 1.0)


def test_xlsx_writes_what_officers_typed_as_text(user, malang):
    """A name or note that starts with "=" or is a web address stays text in every workbook:
    no formula runs and no link appears when a manager opens the file, and the apostrophe
    before a formula's "=" (``kimtracker.downloads.spreadsheet_cell``) keeps it text when the
    cell is edited or the sheet saved as CSV."""
    from villages import services

    desa = Desa.objects.get(code="35.07.08.2001")
    kim = services.register_kim(
        desa=desa, name='=HYPERLINK("http://x.test","klik")', formed_on=D(2024, 1, 10), by=user
    )
    services.record_status_change(
        kim=kim, effective_on=D(2024, 1, 20), by=user, is_active=False, note="=1+1"
    )
    services.record_status_change(
        kim=kim, effective_on=D(2024, 1, 25), by=user, is_active=True, note="https://x.test/a"
    )
    book = load_workbook(io.BytesIO(exports.to_xlsx(report_of("2024-01"))))
    new = list(book["KIM baru"].iter_rows(min_row=2, values_only=True))
    assert new == [
        (
            datetime.datetime(2024, 1, 10),  # noqa: DTZ001 (a spreadsheet cell has no zone)
            '\'=HYPERLINK("http://x.test","klik")',
            desa.name,
            desa.code,
            "Wajak",
        )
    ]
    events = book["Perubahan status"]
    assert [row[6] for row in events.iter_rows(min_row=2, values_only=True)] == [
        "'=1+1",
        "https://x.test/a",
    ]
    cells = [c for row in book["KIM baru"].iter_rows() for c in row]
    cells += [c for row in events.iter_rows() for c in row]
    assert all(cell.data_type != "f" and cell.hyperlink is None for cell in cells)

    content = followup.to_xlsx(followup.build(D(2025, 6, 30)))
    sheet = load_workbook(io.BytesIO(content))["KIM perlu verifikasi"]
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ['\'=HYPERLINK("http://x.test","klik")']
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_page_and_every_file_show_the_same_figures_and_columns(demo, client, manajer):
    """One definition each (``monthly.FIGURES``, ``monthly.KECAMATAN_COLUMNS``): the page, the
    XLSX, the PDF and the CSV label and order them alike."""
    report = report_of("2023-06")
    labels = [figure.label for figure in report.figures()]
    assert "Cakupan desa/kelurahan (%)" in labels
    client.force_login(manajer)
    html = client.get(reverse("reports:monthly", args=["2023-06"])).content.decode()
    page_labels = re.findall(r'<tr data-figure="[a-z_]+"><td>([^<]+)</td>', html)
    assert page_labels == labels
    sheet_labels = list(summary_values(workbook_of(report)["Ringkasan"]))
    first = sheet_labels.index("Angka") + 1  # the header row of the figures
    assert sheet_labels[first : first + len(labels)] == labels
    assert [f["label"] for f in exports.pdf_context(report)["figures"]] == labels

    header = report.kecamatan_header()
    per_kecamatan = html[html.index("data-per-kecamatan") :]
    assert re.findall(r"<th[^>]*>([^<]+)</th>", per_kecamatan)[: len(header)] == header
    assert csv_rows(exports.to_csv(report))[0] == header
    book = workbook_of(report)
    assert [c.value for c in next(book["Per kecamatan"].iter_rows(max_row=1))] == header
    assert exports.pdf_context(report)["kecamatan_header"] == header
    assert len(exports.XLSX_KECAMATAN_WIDTHS) == len(exports.PDF_KECAMATAN_WIDTHS) == len(header)
