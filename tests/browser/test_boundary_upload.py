"""Uploading boundaries in a real browser (/peta/batas/): a Manajer on a phone uploads a zipped
UTM 49S Shapefile, sees the preview map and confirms. The made-up shapes and files come from
``tests/villages/test_boundary_upload.py``; this test lives here to share the browser tests'
one Chromium (two session fixtures would start Playwright twice in one worker)."""

import pytest
from shapely.geometry import mapping

from kimtracker.roles import MANAJER
from tests.conftest import user_with_role
from tests.villages.test_boundary_upload import (
    SUKOLILO_DESA,
    URL,
    WAJAK_DESA,
    WAJAK_KECAMATAN,
    circle,
    metres_between,
    shapefile_zip,
    stored,
    to_utm,
)
from villages.models import Desa, Kecamatan

from .conftest import PASSWORD


@pytest.mark.browser
def test_upload_a_utm_shapefile_and_see_the_preview_map(
    page, live_server, transactional_db, malang, settings, tmp_path
):
    """A Manajer on a phone uploads a zipped UTM 49S Shapefile: the preview map draws the
    matched and the unmatched shapes in their colours, with the legend; confirming stores."""
    settings.KIM_MAP_TILE_URL = ""  # no tiles in tests: the map must read well without them
    manager = user_with_role("manajer", MANAJER)
    manager.set_password(PASSWORD)
    manager.save()
    features = [
        (
            {"KDEPUM": "35.07.08.2012", "WADMKD": "Wajak", "WADMKC": "Wajak"},
            circle(WAJAK_DESA, 0.008),
        ),
        ({"KDEPUM": "", "WADMKD": "Atlantis", "WADMKC": "Wajak"}, circle(SUKOLILO_DESA, 0.008)),
    ]
    # The kecamatan is stored: its outline is drawn under the uploaded desa.
    Kecamatan.objects.filter(code="35.07.08").update(
        boundary=mapping(circle(WAJAK_KECAMATAN, 0.05))
    )
    archive = tmp_path / "batas_desa.zip"
    archive.write_bytes(shapefile_zip(tmp_path, [(p, to_utm(g)) for p, g in features]))

    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/akun/masuk/")
    page.fill("#id_username", "manajer")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]:has-text('Masuk')")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{URL}")
    page.select_option("#id_level", "desa")
    page.set_input_files("#id_file", str(archive))
    page.click("[data-boundary-form] button[type=submit]")
    page.wait_for_selector("#boundary-preview-map[data-ready]")
    assert page.locator('path[data-status="matched"]').count() == 1
    assert page.locator('path[data-status="unmatched"]').count() == 1
    assert page.locator('path[data-status="matched"]').get_attribute("fill") == "#2e7d32"
    assert page.locator('path[data-status="unmatched"]').get_attribute("fill") == "#c62828"
    swatches = page.eval_on_selector_all(
        ".map-legend .legend-swatch", "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert swatches[:3] == ["rgb(46, 125, 50)", "rgb(239, 108, 0)", "rgb(198, 40, 40)"]
    assert page.locator('path[stroke-dasharray="4 3"]').count() == 1
    assert "Batas kecamatan tersimpan" in page.locator(".map-legend").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "boundary-preview.png"), full_page=True)

    page.click("[data-boundary-confirm] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/peta/")
    assert metres_between(stored(Desa, "35.07.08.2012").centroid, features[0][1].centroid) < 100
