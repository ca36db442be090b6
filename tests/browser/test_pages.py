"""What staff do in a real browser: log in, read the dashboard's charts, filter the desa list,
use the map."""

import csv
import io
from pathlib import Path

import pytest

from kimtracker.vendor import VENDOR_ASSETS
from villages.models import Kecamatan

from ..reports.test_views import square

pytestmark = pytest.mark.browser


def chart_points(page, canvas_id):
    return page.evaluate(
        "id => { const c = Chart.getChart(id); return c ? c.getDatasetMeta(0).data.length : 0 }",
        canvas_id,
    )


def test_login_then_dashboard_draws_both_charts(logged_in, live_server, demo):
    page = logged_in
    assert page.locator("html").get_attribute("lang") == "id"  # despite an English browser
    page.goto(f"{live_server.url}/?tanggal=2023-06-25")
    assert page.locator('[data-card="kim-formed"] [data-value]').inner_text() == "215"
    page.wait_for_function("() => window.kimCharts && window.kimCharts.kecamatan")
    assert chart_points(page, "chart-monthly") > 70  # a point per month since 2017
    assert chart_points(page, "chart-kecamatan") == 33
    # A bar links to its kecamatan: click the first (highest coverage) bar.
    x, y = page.evaluate(
        "() => { const b = Chart.getChart('chart-kecamatan').getDatasetMeta(0).data[0];"
        " return [b.x - 5, b.y]; }"
    )
    page.locator("#chart-kecamatan").click(position={"x": x, "y": y})
    page.wait_for_url("**/kecamatan/35.07.*/?tanggal=2023-06-25")
    assert page.locator("h1").inner_text().startswith("Kecamatan ")


def test_cdn_unreachable_falls_back_to_local_copies(logged_in, live_server, demo, settings):
    settings.KIM_ASSETS_FROM_CDN = True
    page = logged_in
    blocked = []
    page.route(
        "https://cdn.jsdelivr.net/**",
        lambda route: (blocked.append(route.request.url), route.abort()),
    )
    page.goto(f"{live_server.url}/?tanggal=2025-09-24")
    page.wait_for_function("() => window.kimCharts && window.kimCharts.monthly")
    assert any("chart.js" in url for url in blocked)
    assert chart_points(page, "chart-kecamatan") == 33
    # Bootstrap's CSS came from the local copy too: the navbar is styled.
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    )


def test_cdn_files_load_under_the_policy(logged_in, live_server, demo, settings):
    """With the CDN on, each library comes from its exact jsDelivr address (answered here from
    the local copy, byte for byte what jsDelivr serves) and the policy lets exactly those in:
    no fallback to the local copy, no violation (the page fixture fails on one)."""
    settings.KIM_ASSETS_FROM_CDN = True
    Kecamatan.objects.filter(code="35.07.08").update(boundary=square(112.70, -8.10))
    page = logged_in
    files = {asset.cdn_url: asset.local_file for asset in VENDOR_ASSETS.values()}
    served, local = [], []

    def from_cdn(route):
        served.append(route.request.url)
        route.fulfill(
            path=files[route.request.url],
            headers={"Access-Control-Allow-Origin": "*"},
            content_type="text/css" if route.request.url.endswith(".css") else "text/javascript",
        )

    page.route("https://cdn.jsdelivr.net/**", from_cdn)
    page.on("request", lambda r: local.append(r.url) if "/static/vendor/" in r.url else None)
    page.goto(f"{live_server.url}/?tanggal=2025-09-24")
    page.wait_for_function("() => window.kimCharts && window.kimCharts.monthly")
    page.goto(f"{live_server.url}/peta/?tanggal=2023-06-25")
    page.wait_for_selector("#coverage-map[data-ready]")
    assert set(served) == set(files)
    assert local == []


def test_filter_the_desa_list_and_download_it(logged_in, live_server, demo):
    page = logged_in
    page.goto(f"{live_server.url}/desa/tanpa-kim/?tanggal=2023-06-25")
    page.select_option("#id_kecamatan", label="Wajak")
    page.click("text=Saring")
    page.wait_for_url("**kecamatan=35.07.08**")
    assert page.locator("table tbody tr").count() == 13
    with page.expect_download() as download:
        page.click("[data-export=csv]")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 13
    assert {r["Kecamatan"] for r in rows} == {"Wajak"}


def test_map_click_through_to_a_kecamatan(logged_in, live_server, demo):
    Kecamatan.objects.filter(code="35.07.08").update(boundary=square(112.70, -8.10))
    Kecamatan.objects.filter(code="35.07.07").update(boundary=square(112.76, -8.10))
    page = logged_in
    page.goto(f"{live_server.url}/peta/?tanggal=2023-06-25")
    page.wait_for_selector("#coverage-map[data-ready]")
    assert page.locator(".map-legend").is_visible()
    # The legend's colours come from the band classes (no style attribute: the policy).
    swatch = page.locator(".map-legend i").first
    assert swatch.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(215, 48, 39)"
    wajak = page.locator('path[data-code="35.07.08"]')
    assert wajak.get_attribute("fill") == "#d73027"  # no active KIM: the lowest band
    wajak.hover()
    assert "Wajak" in page.locator(".leaflet-tooltip").inner_text()
    wajak.click()
    page.wait_for_url("**/kecamatan/35.07.08/?tanggal=2023-06-25")


def test_map_without_boundaries_and_on_a_phone(logged_in, live_server, demo):
    page = logged_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/peta/")
    assert page.locator("[data-no-boundaries]").is_visible()
    assert page.locator(".coverage-tile").count() == 33
    colours = page.eval_on_selector_all(
        ".coverage-tile, .legend-swatch", "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert "rgba(0, 0, 0, 0)" not in colours  # every tile and swatch has its band's colour
    assert "rgb(215, 48, 39)" in colours
    assert page.locator(".navbar-toggler").is_visible()
    page.click(".navbar-toggler")
    page.click("text=Desa tanpa KIM")
    page.wait_for_url("**/desa/tanpa-kim/")
