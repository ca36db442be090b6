"""The follow-up list's print (static/js/print.js) in Chromium: the button prints, and a
kecamatan's print link opens its list and prints it, under the Content-Security-Policy."""

import pytest

pytestmark = pytest.mark.browser

COUNT_PRINTS = "window.__prints = 0; window.print = function () { window.__prints += 1; };"


def test_print_button_and_print_per_kecamatan(logged_in, live_server, demo):
    page = logged_in
    page.add_init_script(COUNT_PRINTS)
    page.goto(f"{live_server.url}/tindak-lanjut/?tanggal=2023-06-25")
    page.wait_for_load_state("load")
    assert page.evaluate("window.__prints") == 0
    page.click("[data-print]")
    assert page.evaluate("window.__prints") == 1

    page.click("[data-kecamatan='35.07.08'] [data-print-kecamatan]")
    page.wait_for_url("**kecamatan=35.07.08**")
    page.wait_for_function("window.__prints === 1")  # printed as it opened
    assert page.locator("[data-kecamatan]").count() == 1
