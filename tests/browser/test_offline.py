"""An officer in a desa without signal: the registration form works offline (the service
worker's copy of the page and of the desa of the officer's kecamatan), the entry waits on the
device ("1 menunggu dikirim"), survives a reload, and is sent once when the connection returns;
what the server refuses on arrival comes back to the officer to fix."""

import re

import pytest
from django.utils import timezone

from villages import services
from villages.models import KIM, Desa, Kecamatan

from ..conftest import limit_to, user_with_role
from .conftest import PASSWORD

pytestmark = pytest.mark.browser

WAJAK = "35.07.08"
CODO = "35.07.08.2008"


@pytest.fixture(autouse=True)
def offline_entry_on(settings):
    """The test settings leave offline entry off for the other browser tests."""
    settings.KIM_OFFLINE_ENTRY = True


def log_in_assigned_officer(page, live_server, username: str):
    officer = user_with_role(username, "Petugas")
    officer.set_password(PASSWORD)
    officer.save()
    limit_to(officer, Kecamatan.objects.get(code=WAJAK).code)
    page.goto(f"{live_server.url}/akun/masuk/?next=/kim/baru/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]:has-text('Masuk')")
    page.wait_for_url("**/kim/baru/")
    # The service worker controls the page and the officer's pages are kept on the device.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_selector("html[data-offline-ready]", state="attached")
    return officer


def fill_registration(page, name: str) -> None:
    page.select_option("#id_kecamatan", WAJAK)
    page.wait_for_selector(f"#id_desa[data-loaded='{WAJAK}']", state="attached")
    page.select_option("#id_desa", CODO)
    page.fill("#id_name", name)
    page.fill("#id_formed_on", timezone.localdate().isoformat())
    page.fill("#id_member_count", "12")


def kept_entries(page) -> list[dict]:
    """The entries in the device's IndexedDB, as offline.js keeps them."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("kim-tracker-offline", 1);
            open.onsuccess = () => {
                const read = open.result.transaction("entries").objectStore("entries").getAll();
                read.onsuccess = () => resolve(read.result);
                read.onerror = () => reject(read.error);
            };
            open.onerror = () => reject(open.error);
        })"""
    )


def test_offline_registration_is_sent_once_when_the_connection_returns(page, live_server, malang):
    log_in_assigned_officer(page, live_server, "petugas-wajak")
    badge = page.locator("[data-offline-badge]")

    page.context.set_offline(True)
    page.reload()  # the form page itself, from the device
    fill_registration(page, "KIM Codo Luring")
    page.click("button:has-text('Simpan')")
    assert "disimpan di perangkat" in page.locator("[data-offline-notice]").inner_text()
    assert "1 menunggu dikirim" in badge.inner_text()
    assert not KIM.objects.filter(name="KIM Codo Luring").exists()

    page.reload()  # still offline: the entry is still on the device
    page.wait_for_selector("[data-offline-badge]:not([hidden])")
    assert "1 menunggu dikirim" in badge.inner_text()
    [entry] = kept_entries(page)
    assert entry["status"] == "pending"

    page.context.set_offline(False)
    page.wait_for_selector("[data-offline-badge][hidden]", state="attached")
    kim = KIM.objects.get(name="KIM Codo Luring")
    assert str(kim.client_key) == entry["key"]
    assert kim.desa.code == CODO
    assert kept_entries(page) == []

    # The same entry sent again (its first answer lost on the way): no second KIM.
    answer = page.evaluate(
        """async (entry) => {
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const response = await fetch(entry.url, {
                method: "POST",
                body: new URLSearchParams(entry.fields),
                headers: {"Accept": "application/json", "X-CSRFToken": token},
            });
            return response.json();
        }""",
        entry,
    )
    assert answer["ok"] is True
    assert answer["url"] == kim.get_absolute_url()
    assert KIM.objects.filter(desa__code=CODO).count() == 1


def test_a_refused_entry_comes_back_to_the_officer(page, live_server, malang):
    log_in_assigned_officer(page, live_server, "petugas-codo")
    page.context.set_offline(True)
    fill_registration(page, "KIM Codo Sejahtera")
    page.click("button:has-text('Simpan')")
    page.wait_for_selector("[data-offline-notice]")

    # Meanwhile, at the office, the same name is registered in Codo.
    services.register_kim(
        by=None,
        desa=Desa.objects.get(code=CODO),
        name="KIM Codo Sejahtera",
        formed_on=timezone.localdate(),
    )
    page.context.set_offline(False)
    page.wait_for_selector("[data-offline-badge].btn-danger")
    assert "1 ditolak" in page.locator("[data-offline-badge]").inner_text()
    [entry] = kept_entries(page)
    assert entry["status"] == "refused"
    assert KIM.objects.filter(desa__code=CODO).count() == 1

    page.click("[data-offline-badge]")
    page.wait_for_url("**/antrean/")
    item = page.locator("[data-offline-entry][data-status='refused']")
    assert "KIM Codo Sejahtera" in item.inner_text()
    assert "Sudah ada KIM dengan nama ini" in item.inner_text()

    item.locator("a:has-text('Perbaiki')").click()
    page.wait_for_selector("[data-offline-notice]")
    assert page.locator("#id_name").input_value() == "KIM Codo Sejahtera"
    assert page.locator("#id_desa").input_value() == CODO
    assert "Sudah ada KIM" in page.locator("form[data-offline-form]").inner_text()
    assert "is-invalid" in (page.locator("#id_name").get_attribute("class") or "")
    page.fill("#id_name", "KIM Codo Makmur")
    page.check("[name=confirm_second]")
    page.click("button:has-text('Simpan')")
    page.wait_for_url(re.compile(r".*/kim/\d+/$"))
    assert "KIM Codo Makmur terdaftar" in page.content()
    fixed = KIM.objects.get(name="KIM Codo Makmur")
    assert str(fixed.client_key) == entry["key"]
    assert kept_entries(page) == []
    assert KIM.objects.filter(desa__code=CODO).count() == 2


def test_activity_and_status_change_recorded_offline(page, live_server, malang):
    """The forms of the officer's KIM are kept on the device at log-in: both work offline and
    are each stored once when the connection returns."""
    kim = services.register_kim(
        by=None,
        desa=Desa.objects.get(code=CODO),
        name="KIM Codo Lestari",
        formed_on=timezone.localdate().replace(year=2020),
    )
    log_in_assigned_officer(page, live_server, "petugas-kegiatan")
    page.goto(f"{live_server.url}/kim/{kim.pk}/")  # seen online, not kept
    page.context.set_offline(True)

    page.goto(f"{live_server.url}/kim/{kim.pk}/kegiatan/")
    page.fill("#id_occurred_on", timezone.localdate().isoformat())
    page.select_option("#id_kind", "diskusi")
    page.fill("#id_description", "Diskusi warga tentang posyandu")
    page.click("button:has-text('Catat')")
    page.wait_for_selector("[data-offline-notice]")

    page.goto(f"{live_server.url}/kim/{kim.pk}/status/")
    page.fill("#id_effective_on", timezone.localdate().isoformat())
    page.select_option("#id_level", "berkembang")
    page.fill("#id_note", "Naik tingkat setelah kunjungan")
    page.click("button:has-text('Catat')")
    page.wait_for_selector("[data-offline-notice]")
    assert "2 menunggu dikirim" in page.locator("[data-offline-badge]").inner_text()
    assert not kim.activities.exists()

    # A page not kept for offline use (the KIM's page, with its officers' names and numbers)
    # is not on the device: offline it shows the queue instead.
    page.goto(f"{live_server.url}/kim/{kim.pk}/")
    assert page.locator("main h1").inner_text() == "Entri menunggu dikirim"
    assert page.locator("[data-offline-entry]").count() == 2

    page.context.set_offline(False)
    page.wait_for_selector("[data-offline-badge][hidden]", state="attached")
    activity = kim.activities.get()
    assert activity.description == "Diskusi warga tentang posyandu"
    assert activity.client_key is not None
    kim.refresh_from_db()
    assert kim.level == "berkembang"
    assert kim.status_changes.filter(client_key__isnull=False).count() == 1


def test_a_post_lost_on_the_way_is_kept_by_the_service_worker(page, live_server, malang):
    """The device thinks it is online, but the registration does not reach the server (a weak
    signal): the service worker keeps it and shows the queue; it is sent later, once."""
    log_in_assigned_officer(page, live_server, "petugas-sinyal-lemah")
    fill_registration(page, "KIM Codo Sinyal")
    page.context.route(
        re.compile(r".*/kim/baru/$"),
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.click("button:has-text('Simpan')")
    page.wait_for_selector("[data-offline-entry]")
    assert page.locator("main h1").inner_text() == "Entri menunggu dikirim"
    assert not KIM.objects.filter(name="KIM Codo Sinyal").exists()

    page.context.unroute(re.compile(r".*/kim/baru/$"))
    page.click("[data-offline-send]")
    page.wait_for_selector("[data-offline-queue-empty]:not([hidden])")
    kim = KIM.objects.get(name="KIM Codo Sinyal")
    assert kim.client_key is not None
