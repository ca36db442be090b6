"""Every page on a phone (360 x 740), as every role: neither the page nor a table on it scrolls
sideways. The pages are every URL pattern a role may open (``tests/test_security.py`` decides
who may open what), with sample arguments from the demo data; downloads, JSON endpoints and
POST-only views are left out. On a laptop (1366 px) the Manajer's navigation fits on one line."""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from kimtracker.roles import MANAJER, PETUGAS, STAF
from reports import monthly, publishing
from reports.models import Publication
from villages import services
from villages.models import KIM, Desa

from ..conftest import user_with_role
from ..test_security import ACCESS, ROLES, TOKEN, named_patterns

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
# Not pages: downloads, JSON for scripts, POST-only actions.
NOT_PAGES = {
    "logout",
    "set_language",
    "reports:map_data",
    "reports:open_data",
    "villages:desa_options",
    "villages:kecamatan_options",
    "villages:kim_import_template",
    "villages:activity_import_template",
    "villages:kim_import_confirm",
    "villages:activity_import_confirm",
    "boundary_upload_confirm",
    "reports:publish",
    # The read API's endpoints are JSON for programs with a token (TOKEN in the access table);
    # its schema; /api/v1/ redirects to the documentation, whose Swagger UI (django-ninja's
    # copy) is not ours to lay out.
    "api:openapi-json",
    "api:api-root",
    "api_index",
    "api_docs",
    "api_token_revoke",
}
GROUPS = {"staf": STAF, "petugas": PETUGAS, "manajer": MANAJER}

# What scrolls sideways: the document, every table container, and every table wider than
# the box it sits in; and what is too small to tap: a field, button or page link less than 44 px
# high. Elements that are not displayed (a collapsed menu) measure 0.
OVERFLOW = """() => {
  const found = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) {
    found.push(`document ${doc.scrollWidth} > ${window.innerWidth}`);
  }
  const name = el => el.tagName.toLowerCase() + [...el.attributes]
    .filter(a => a.name.startsWith('data-') || a.name === 'class')
    .map(a => `[${a.name}="${a.value}"]`).join('');
  for (const box of document.querySelectorAll('.table-responsive')) {
    if (box.scrollWidth > box.clientWidth + 1) {
      found.push(`${name(box)} ${box.scrollWidth} > ${box.clientWidth}`);
    }
  }
  for (const table of document.querySelectorAll('table')) {
    const outer = table.parentElement;
    const wide = table.getBoundingClientRect().width;
    if (table.scrollWidth > table.clientWidth + 1 || wide > outer.clientWidth + 1) {
      found.push(`${name(table)} ${Math.round(wide)} > ${outer.clientWidth}`);
    }
  }
  const targets = 'main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), '
    + 'main select, main textarea, main button, main .btn, .page-link, .navbar-toggler';
  for (const target of document.querySelectorAll(targets)) {
    const box = target.getBoundingClientRect();
    if (box.height > 0 && box.height < 44) {
      found.push(`${name(target)} ${Math.round(box.height)} px high`);
    }
  }
  return found;
}"""


def page_urls(role: str) -> list[str]:
    """The pages ``role`` may open, one per URL pattern, with demo arguments."""
    kim = KIM.objects.get(desa__code="35.07.07.2016")  # Gubugklakah: history, activities
    publication = Publication.objects.filter(revision=1).first()
    sample = {
        "code": None,
        "pk": kim.pk,
        "month": "2023-06",
        "uidb64": "MQ",
        "token": "tanda-palsu",
        "revision": 1,
        "public_id": publication.public_id if publication else uuid.uuid4(),
    }
    urls = []
    for name, pattern in named_patterns():
        if name in NOT_PAGES or name not in ACCESS:  # test_security fails on the latter
            continue
        lowest = ACCESS[name]
        if lowest == TOKEN:
            continue
        if lowest and ROLES.index(lowest) > ROLES.index(role):
            continue
        kwargs = {key: sample[key] for key in pattern.pattern.converters}
        if "code" in kwargs:
            kwargs["code"] = kim.desa.code if "desa" in name else kim.desa.kecamatan.code
        url = reverse(name, kwargs=kwargs)
        urls.append(f"{url}?wilayah=35.07" if name == "reports:publication" else url)
    return urls


def publish_june_then_change_it() -> None:
    """June 2023 published, then a KIM formed in June registered: the report page shows its
    versions, the difference and the revision form; the version and verification pages exist."""
    publication = publishing.request_publication(
        datetime.date(2023, 6, 1), monthly.resolve_wilayah(None), by=None, enqueue=print
    )
    assert publishing.run(publication.pk).is_done
    services.register_kim(
        desa=Desa.objects.get(code="35.07.08.2001"),
        name="KIM Terlambat Dicatat Dengan Nama Yang Cukup Panjang",
        formed_on=datetime.date(2023, 6, 20),
        by=None,
    )


def logged_in_context(browser, live_server, username, viewport):
    """A browser context carrying the session of ``username`` (a role group of the same name)."""
    client = Client()
    client.force_login(user_with_role(username, GROUPS[username]))
    context = browser.new_context(viewport=viewport, locale="id-ID")
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context


@pytest.mark.parametrize("role", ["anon", "staf", "petugas", "manajer"])
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, demo, role):
    if role in ("anon", "manajer"):
        publish_june_then_change_it()
    if role == "anon":  # the log-in and password reset pages, the verification page
        context = browser.new_context(viewport=PHONE, locale="id-ID")
    else:
        context = logged_in_context(browser, live_server, role, PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    found, seen = {}, 0
    try:
        for url in page_urls(role):
            response = page.goto(f"{live_server.url}{url}")
            assert response.status < 500, (url, response.status)
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue  # a manifest, a script
            seen += 1
            if overflow := page.evaluate(OVERFLOW):
                found[url] = overflow
    finally:
        context.close()
    assert seen > (3 if role == "anon" else 15)
    assert not found, "\n".join(f"{url}: {'; '.join(items)}" for url, items in found.items())


def test_import_preview_on_a_phone(browser, live_server, demo, tmp_path):
    """The preview of an import (reached by uploading a file, so not in the walk above) fits a
    phone, its refusals readable."""
    upload = tmp_path / "kim.csv"
    upload.write_text(
        "kode_desa,nama_kim,tanggal_pembentukan\n"
        "35.07.08.2001,KIM Uji Layar Sempit,2023-01-01\n"
        "35.07.99.9999,KIM Tanpa Desa,2023-01-01\n",
        encoding="utf-8",
    )
    context = logged_in_context(browser, live_server, "petugas", PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/kim/impor/")
        page.set_input_files("input[type=file]", str(upload))
        page.click("main form button[type=submit]")
        page.wait_for_selector("[data-import-preview]")
        assert page.locator("[data-import-row]").count() == 2
        assert page.evaluate(OVERFLOW) == []
    finally:
        context.close()


def cell(page, heading: str):
    """The first row's cell under the column headed ``heading``."""
    headings = [th.strip() for th in page.locator("table thead th").all_inner_texts()]
    index = [h.split("\n")[0] for h in headings].index(heading)
    return page.locator("table tbody tr").first.locator("td").nth(index)


def on_screen(locator, width: int) -> bool:
    box = locator.bounding_box()
    return locator.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width + 1


def test_lists_on_a_phone_show_their_key_columns(browser, live_server, demo):
    """At 390 px the KIM list shows each KIM's name, desa, level and active badge on screen;
    the list of desa without a KIM its kecamatan, the code narrow or hidden."""
    context = logged_in_context(browser, live_server, "staf", {"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/kim/?tanggal=2025-09-24")
        for heading in ("Nama KIM", "Desa/kelurahan", "Tingkat", "Aktif"):
            assert on_screen(cell(page, heading), 390), (heading, page.evaluate(OVERFLOW))
        assert cell(page, "Aktif").locator(".badge").first.is_visible()
        assert page.evaluate(OVERFLOW) == []
        # The rest is one tap away: the name links to the KIM's page.
        assert cell(page, "Nama KIM").locator("a").get_attribute("href").startswith("/kim/")

        page.goto(f"{live_server.url}/desa/tanpa-kim/")
        assert on_screen(cell(page, "Kecamatan"), 390)
        code = cell(page, "Kode")
        assert not code.is_visible() or code.bounding_box()["width"] < 390 / 4
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1366])
def test_kim_list_badges_for_active_and_needing_check(browser, live_server, demo, width):
    """The "Aktif" column is a badge, and a KIM that needs checking carries a "perlu
    verifikasi" badge: in its own column on a wide screen, next to the active badge on a phone.
    The badge marks exactly the KIM the "perlu verifikasi" filter finds."""
    context = logged_in_context(browser, live_server, "staf", {"width": width, "height": 900})
    page = context.new_page()
    try:
        on = "tanggal=2024-06-30&per_page=500"
        page.goto(f"{live_server.url}/kim/?{on}&perlu_verifikasi=ya")
        rows = page.locator("table tbody tr")
        assert rows.count() > 5
        badges = page.locator("table tbody [data-needs-check]:visible")
        assert badges.count() == rows.count()
        assert set(badges.all_inner_texts()) == {"perlu verifikasi"}
        assert set(page.locator("table tbody .badge.text-bg-success").all_inner_texts()) == {
            "aktif"
        }
        page.goto(f"{live_server.url}/kim/?{on}&perlu_verifikasi=tidak")
        assert page.locator("table tbody tr").count() > 5
        assert page.locator("table tbody [data-needs-check]").count() == 0
        assert "tidak aktif" in page.locator("table tbody .badge").all_inner_texts()
    finally:
        context.close()


@pytest.mark.parametrize("language", ["id", "en"])
def test_managers_navigation_fits_on_one_line_on_a_laptop(browser, live_server, demo, language):
    """At 1366 px (less a scrollbar) the Manajer of the demo ("manajer-demo") sees the whole
    navigation on one line, in either language; on a phone it collapses behind the toggler
    and every entry of the opened menu is a touch-size target."""
    client = Client()
    client.force_login(user_with_role("manajer-demo", MANAJER))
    cookies = [
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
        {"name": "django_language", "value": language, "url": live_server.url},
    ]
    context = browser.new_context(viewport={"width": 1350, "height": 768})
    context.add_cookies(cookies)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        assert not page.locator(".navbar-toggler").is_visible()
        items = page.locator(
            "#nav-main .navbar-nav > .nav-item, #nav-main [data-language-form] button"
        )
        boxes = [item.bounding_box() for item in items.all()]
        assert len(boxes) == 11  # 7 pages, the reports menu, 2 languages, the account menu
        # One line: every item overlaps every other vertically.
        assert max(b["y"] for b in boxes) < min(b["y"] + b["height"] for b in boxes), boxes
        page.click("[data-nav-reports] > a")
        page.click("[data-nav-reports] .dropdown-menu a[href='/audit/']")
        page.wait_for_url("**/audit/")

        page.set_viewport_size(PHONE)
        page.goto(f"{live_server.url}/")
        assert not page.locator("#nav-main").is_visible()
        page.click(".navbar-toggler")
        page.wait_for_selector("#nav-main.show:not(.collapsing)")  # the menu has opened
        page.click("[data-nav-account] > a")
        # Log out is in the opened account menu (waits for it rather than reading at once).
        page.locator("[data-nav-account] button[type=submit]").wait_for(state="visible")
        targets = page.locator(
            "#nav-main .nav-link, #nav-main .dropdown-item:visible, #nav-main button"
        )
        heights = [box["height"] for box in (t.bounding_box() for t in targets.all()) if box]
        assert len(heights) > 10
        assert min(heights) >= 44, heights
        assert page.locator("[data-nav-account] button[type=submit]").is_visible()
    finally:
        context.close()
