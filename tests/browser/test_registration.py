"""An officer registers a KIM in Wajak in a real browser; the dashboard then no longer lists
Wajak among the kecamatan without a KIM."""

import pytest
from django.utils import timezone

from villages.models import KIM

from ..conftest import user_with_role
from ..factories import kota_batu
from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in_as_officer(page, live_server, username: str, next_path: str = "") -> None:
    """A new Petugas ``username`` logs in through the form (then lands on ``next_path``)."""
    officer = user_with_role(username, "Petugas")
    officer.set_password(PASSWORD)
    officer.save()
    page.goto(f"{live_server.url}/akun/masuk/" + (f"?next={next_path}" if next_path else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]:has-text('Masuk')")


def test_officer_registers_a_kim_in_wajak(page, live_server, malang):
    log_in_as_officer(page, live_server, "petugas-lapangan")
    page.wait_for_url(f"{live_server.url}/")

    without = page.locator("[data-kecamatan-without]")
    assert "Wajak" in without.inner_text()

    page.goto(f"{live_server.url}/kim/")
    page.click("text=Daftarkan KIM")
    page.wait_for_url("**/kim/baru/")
    page.wait_for_load_state()
    page.select_option("#id_kecamatan", label="Wajak")
    page.wait_for_selector("#id_desa[data-loaded='35.07.08']")
    page.select_option("#id_desa", label="Codo")
    page.fill("#id_name", "KIM Codo Sejahtera")
    page.fill("#id_formed_on", timezone.localdate().isoformat())
    page.fill("#id_member_count", "15")
    page.fill("#id_chair_phone", "0812 3456 7890")
    page.click("button:has-text('Simpan')")
    page.wait_for_url("**/kim/*/")
    assert "KIM Codo Sejahtera terdaftar" in page.content()
    kim = KIM.objects.get(name="KIM Codo Sejahtera")
    assert (kim.desa.code, kim.chair_phone) == ("35.07.08.2008", "+6281234567890")

    page.goto(f"{live_server.url}/")
    assert "Wajak" not in page.locator("[data-kecamatan-without]").inner_text()


def test_bad_input_shows_messages_next_to_fields(page, live_server, malang):
    log_in_as_officer(page, live_server, "petugas-meja", "/kim/baru/%3Fdesa%3D35.07.28.2001")
    page.wait_for_url("**/kim/baru/**")
    assert page.locator("#id_desa").input_value() == "35.07.28.2001"
    page.fill("#id_name", "KIM Uji")
    page.fill("#id_formed_on", "2020-01-01")
    page.fill("#id_member_count", "2")
    page.fill("#id_chair_phone", "12345")
    page.click("button:has-text('Simpan')")
    assert "antara 3 dan 30" in page.locator('[data-error-for="member_count"]').inner_text()
    assert "Nomor telepon" in page.locator('[data-error-for="chair_phone"]').inner_text()
    assert not KIM.objects.exists()


def test_officer_chooses_kabupaten_then_kecamatan_then_desa_at_scale(
    page, live_server, malang, settings
):
    """In a province or national deployment (more kecamatan than a select offers) the form asks
    for the kabupaten/kota first and loads its kecamatan, then the kecamatan's desa."""
    settings.KIM_FILTER_SELECT_MAX = 10
    kota_batu()
    log_in_as_officer(page, live_server, "petugas-provinsi", "/kim/baru/")
    page.wait_for_url("**/kim/baru/")
    assert page.locator("#id_kecamatan option").count() == 1  # only "Pilih kecamatan"

    page.select_option("#id_kabupaten", "35.07")
    page.wait_for_selector("#id_kecamatan[data-loaded='35.07']")
    assert page.locator("#id_kecamatan option").count() == 34
    page.select_option("#id_kecamatan", label="Wajak")
    page.wait_for_selector("#id_desa[data-loaded='35.07.08']")
    # Another kabupaten empties the desa and offers only its own kecamatan.
    page.select_option("#id_kabupaten", "35.79")
    page.wait_for_selector("#id_kecamatan[data-loaded='35.79']")
    assert page.locator("#id_desa option").count() == 1
    page.select_option("#id_kecamatan", label="JUNREJO")
    page.wait_for_selector("#id_desa[data-loaded='35.79.03']")
    page.select_option("#id_desa", label="DADAPREJO")
    page.fill("#id_name", "KIM Dadaprejo Berdaya")
    page.fill("#id_formed_on", timezone.localdate().isoformat())
    page.fill("#id_member_count", "9")
    page.click("button:has-text('Simpan')")
    page.wait_for_url("**/kim/*/")
    assert "KIM Dadaprejo Berdaya terdaftar" in page.content()
    assert KIM.objects.get().desa.code == "35.79.03.1001"
