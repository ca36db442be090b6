"""The coverage map in daily work (issue 14, point 5), in a real browser: search zooms to a desa
or kecamatan, a click on a desa opens its page, the printable map fits one A4 page, the map
reads without tiles and at 360 px, a desa-only import draws the desa, the kecamatan page has
its own map. Made-up square boundaries on a few real desa of Wajak and Poncokusumo."""

import datetime
import re
import tempfile
from pathlib import Path

import pytest

from reports.coverage import desa_without_active_kim
from villages.models import Desa, Kabupaten, Kecamatan

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(tempfile.gettempdir()) / "kim-map-screenshots"
MID_2023 = "tanggal=2023-06-25"
# Four desa in a 2x2 grid inside each kecamatan square (Wajak west of Poncokusumo).
GRIDS = {
    "35.07.08": (112.70, ["35.07.08.2008", "35.07.08.2012", "35.07.08.2001", "35.07.08.2002"]),
    "35.07.07": (112.80, ["35.07.07.2016", "35.07.07.2015", "35.07.07.2017", "35.07.07.2009"]),
}
LAT, CELL = -8.10, 0.05


def square(lon, lat, size):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def made_up_boundaries(*, kecamatan=True):
    for code, (lon, desa) in GRIDS.items():
        if kecamatan:
            Kecamatan.objects.filter(code=code).update(boundary=square(lon, LAT, 2 * CELL))
        for index, desa_code in enumerate(desa):
            corner_lon, corner_lat = lon + (index % 2) * CELL, LAT + (index // 2) * CELL
            Desa.objects.filter(code=desa_code).update(
                boundary=square(corner_lon, corner_lat, CELL)
            )


def open_map(page, url):
    page.goto(url)
    page.wait_for_selector("#coverage-map[data-ready]")
    return page.locator("#coverage-map")


def zoom(page):
    return page.evaluate("() => window.kimMap.getZoom()")


def search(page, text):
    page.fill("#map-search-input", text)
    page.press("#map-search-input", "Enter")


def test_search_zooms_and_a_click_opens_the_desa(logged_in, live_server, demo):
    made_up_boundaries()
    Kabupaten.objects.filter(code="35.07").update(boundary=square(112.65, -8.15, 0.3))
    page = logged_in
    element = open_map(page, f"{live_server.url}/peta/?{MID_2023}")
    assert element.get_attribute("data-view") == "kecamatan"
    # The kabupaten's outline, drawn over the kecamatan and not clickable.
    outline = page.locator(".leaflet-outlines-pane path")
    assert outline.count() == 1
    assert outline.get_attribute("stroke-width") == "3"
    assert page.locator('[data-legend="kecamatan"]').is_visible()
    assert not page.locator('[data-legend="desa"]').is_visible()
    start = zoom(page)

    search(page, "gubugklakah")
    page.wait_for_selector('#coverage-map[data-found="35.07.07.2016"]')
    assert element.get_attribute("data-view") == "desa"  # switched to the desa layer
    assert zoom(page) > start
    assert "Gubugklakah" in page.locator("[data-search-message]").inner_text()
    legend = page.locator('[data-legend="desa"]')
    assert legend.is_visible()
    # The legend counts the drawn desa per category, as the follow-up list has them.
    drawn = {code for _lon, codes in GRIDS.values() for code in codes}
    without = drawn & {d.code for d in desa_without_active_kim(datetime.date(2023, 6, 25))}
    assert len(without) >= 4  # Wajak's four, at least
    count = legend.locator('[data-category="none"] [data-count]').inner_text()
    assert count == f"({len(without)})"
    desa = page.locator('path[data-code="35.07.07.2016"]')
    assert desa.get_attribute("fill") == "rgb(26, 152, 80)"  # .desa-active

    # A name shared by a kecamatan and a desa: the user picks one.
    search(page, "Wajak")
    choices = page.locator("[data-search-choice]")
    assert sorted(choices.all_inner_texts()) == [
        "Kecamatan Wajak (35.07.08)",
        "Wajak, Kecamatan Wajak (35.07.08.2012)",
    ]
    page.click('[data-search-choice="35.07.08"]')
    page.wait_for_selector('#coverage-map[data-found="35.07.08"]')
    search(page, "35.07.08.2008")  # a code
    page.wait_for_selector('#coverage-map[data-found="35.07.08.2008"]')
    search(page, "Atlantis")
    assert "Tidak ada" in page.locator("[data-search-message]").inner_text()

    # A click on a desa opens its page, which offers nothing to register to a Staf.
    search(page, "Gubugklakah")
    page.wait_for_selector('#coverage-map[data-found="35.07.07.2016"]')
    page.locator('path[data-code="35.07.07.2016"]').click()
    page.wait_for_url(f"**/desa/35.07.07.2016/?{MID_2023}")
    assert page.locator("h1").inner_text() == "Desa Gubugklakah"
    assert page.locator("[data-register-kim]").count() == 0


def test_printable_map_fits_one_a4_page(logged_in, live_server, demo):
    made_up_boundaries()
    page = logged_in
    element = open_map(page, f"{live_server.url}/peta/?{MID_2023}&cetak=1&lapisan=desa")
    assert element.get_attribute("data-view") == "desa"
    assert page.locator("h1").inner_text() == "Peta cakupan KIM Kabupaten Malang"
    assert page.locator('[data-legend="desa"]').is_visible()
    assert page.locator(".leaflet-control-zoom").count() == 0
    assert "cahyadsn/wilayah_boundaries" in page.locator("[data-map-sources]").inner_text()
    assert page.locator('path[data-level="desa"]').count() == 8
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("[data-print-button]").is_visible()
    assert page.locator('[data-legend="desa"]').is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "print.pdf").write_bytes(pdf)
    pages = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert len(pages) == 1, f"{len(pages)} pages"
    width, height = (float(v) for v in pages[0])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    # The print view switches between the layers.
    page.emulate_media(media="screen")
    page.click('[data-print-layer="kecamatan"]')
    page.wait_for_selector('#coverage-map[data-ready][data-view="kecamatan"]')
    assert page.locator('[data-legend="kecamatan"]').is_visible()
    # The screen map's link to it carries the layer shown.
    open_map(page, f"{live_server.url}/peta/?{MID_2023}")
    search(page, "Codo")
    page.wait_for_selector('#coverage-map[data-view="desa"]')
    assert "lapisan=desa" in page.locator("[data-print-link]").get_attribute("href")


def test_without_internet_and_at_360_px(logged_in, live_server, demo, settings):
    """Tiles cannot load: they are dropped (no grey squares), a note says so, and outlines and
    labels still orient the reader; everything fits 360 px."""
    settings.KIM_MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    made_up_boundaries()
    page = logged_in
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.set_viewport_size({"width": 360, "height": 740})
    element = open_map(page, f"{live_server.url}/peta/?{MID_2023}")
    page.wait_for_selector('#coverage-map[data-tiles="failed"]')
    assert page.locator("[data-tiles-failed]").is_visible()
    assert page.locator(".leaflet-tile-container img").count() == 0
    background = element.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(238, 241, 244)"  # plain, not Leaflet's grey (221, 221, 221)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert page.locator("#map-search-input").is_visible()
    # Legends sit below the map on a phone, not over it.
    assert page.locator('[data-legend="kecamatan"]').is_visible()
    assert page.locator(".leaflet-control [data-map-legends]").count() == 0
    # Zoomed in, the kecamatan carry their names.
    search(page, "Poncokusumo")
    page.click('[data-search-choice="35.07.07"]')
    page.wait_for_selector('#coverage-map[data-found="35.07.07"]')
    labels = page.locator(".map-label")
    assert "Poncokusumo" in labels.all_inner_texts()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "offline-360.png"), full_page=True)


def test_desa_only_import_and_the_kecamatan_page_map(logged_in, live_server, demo):
    made_up_boundaries(kecamatan=False)
    page = logged_in
    element = open_map(page, f"{live_server.url}/peta/?{MID_2023}")
    assert element.get_attribute("data-view") == "desa"
    assert page.locator('path[data-level="desa"]').count() == 8
    assert page.locator(".leaflet-control-layers").count() == 0  # one layer, nothing to pick
    # The kecamatan are still found, through their desa.
    search(page, "35.07.08")
    page.wait_for_selector('#coverage-map[data-found="35.07.08"]')

    # Wajak's page: its own map with its four desa, each opening its page.
    element = open_map(page, f"{live_server.url}/kecamatan/35.07.08/?{MID_2023}")
    assert element.get_attribute("data-view") == "desa"
    paths = page.locator('path[data-level="desa"]')
    assert paths.count() == 4
    assert {paths.nth(i).get_attribute("data-code")[:8] for i in range(4)} == {"35.07.08"}
    assert page.locator('[data-legend="desa"] [data-category="none"]').inner_text().endswith("(4)")
    page.locator('path[data-code="35.07.08.2008"]').click()
    page.wait_for_url(f"**/desa/35.07.08.2008/?{MID_2023}")
    assert page.locator("h1").inner_text() == "Desa Codo"
