"""The coverage map out of the box (issue 14): after `load_wilayah` and `load_boundaries`, as
`make run` does, `/peta/` draws Kabupaten Malang's 33 kecamatan and, in the desa view, its 390
desa. Counts the shapes Leaflet drew and keeps screenshots under var/screenshots/ (ignored by
git)."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# The area layers are SVG paths in Leaflet's overlay pane; outlines (the kabupaten, the
# kecamatan borders over the desa) and labels live in panes of their own.
AREA_PATHS = ".leaflet-overlay-pane path"


def drawn_areas(page) -> int:
    return page.locator(AREA_PATHS).count()


def wait_for_areas(page, count: int) -> None:
    page.wait_for_function(
        "([selector, count]) => document.querySelectorAll(selector).length === count",
        arg=[AREA_PATHS, count],
    )


def test_fresh_set_up_draws_33_kecamatan_and_390_desa(logged_in, live_server, malang):
    call_command("load_boundaries", stdout=io.StringIO())
    page = logged_in
    page.goto(f"{live_server.url}/peta/")
    assert page.locator("[data-no-boundaries]").count() == 0
    page.wait_for_selector("#coverage-map[data-ready]")
    wait_for_areas(page, 33)
    assert drawn_areas(page) == 33
    # Each drawn shape has a real extent (not a collapsed path).
    sizes = page.evaluate(
        "selector => Array.from(document.querySelectorAll(selector))"
        ".map(p => { const b = p.getBBox(); return b.width * b.height; })",
        AREA_PATHS,
    )
    assert min(sizes) > 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "peta-kecamatan.png"), full_page=True)

    # Switch to the desa view with the map's layer control, as a user does.
    choices = page.locator(".leaflet-control-layers-base label")
    desa_choice = choices.filter(has_text=re.compile(r"^\s*Desa"))
    if desa_choice.count() and not desa_choice.first.is_visible():
        page.locator(".leaflet-control-layers").hover()
    desa_choice.first.click()
    wait_for_areas(page, 390)
    assert drawn_areas(page) == 390
    page.screenshot(path=str(SCREENSHOTS / "peta-desa.png"), full_page=True)
    assert (SCREENSHOTS / "peta-desa.png").stat().st_size > 10_000

    # And back: the kecamatan view again has its 33 shapes.
    choices.filter(has_text=re.compile(r"^\s*Kecamatan")).first.click()
    wait_for_areas(page, 33)
