"""The key a device makes for each offline entry (``client_key``): the services store it, and
the same entry sent again returns the stored row and writes nothing. The pages answer the
device's queue in JSON."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from villages import services
from villages.models import KIM, Kecamatan, KIMActivity, KIMStatusChange

from ..conftest import limit_to, user_with_role
from ..factories import DesaFactory, KIMFactory

D = datetime.date
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def desa(db):
    return DesaFactory(name="SUMBERPUTIH")


def counts():
    return (KIM.objects.count(), KIMStatusChange.objects.count(), KIMActivity.objects.count())


def test_a_registration_sent_twice_is_stored_once(desa, user):
    key = uuid.uuid4()
    entry = {"desa": desa, "name": "KIM Sumber Maju", "formed_on": D(2024, 3, 1)}
    first = services.register_kim(by=user, client_key=key, **entry)
    before = counts()
    again = services.register_kim(by=user, client_key=key, **entry)
    assert again.pk == first.pk
    assert KIM.objects.get(client_key=key).pk == first.pk
    assert counts() == before
    assert first.history.count() == 1


def test_a_resend_is_not_refused_as_a_duplicate_name(desa, user):
    """Without the key, the second send would meet its own KIM's name."""
    key = uuid.uuid4()
    entry = {"desa": desa, "name": "KIM Sumber Maju", "formed_on": D(2024, 3, 1)}
    services.register_kim(by=user, client_key=key, **entry)
    with pytest.raises(ValidationError) as refused:
        services.register_kim(by=user, client_key=uuid.uuid4(), **entry)
    assert "name" in refused.value.message_dict


def test_a_batch_with_one_entry_already_stored_registers_only_the_others(desa, user):
    key = uuid.uuid4()
    stored = services.register_kim(
        by=user, client_key=key, desa=desa, name="KIM Satu", formed_on=D(2024, 1, 5)
    )
    kims = services.register_kims(
        [
            {"desa": desa, "name": "KIM Dua", "formed_on": D(2024, 2, 1)},
            {"desa": desa, "name": "KIM Satu", "formed_on": D(2024, 1, 5), "client_key": key},
        ],
        by=user,
    )
    assert [kim.name for kim in kims] == ["KIM Dua", "KIM Satu"]
    assert kims[1].pk == stored.pk
    assert KIM.objects.filter(desa=desa).count() == 2


def test_an_activity_sent_twice_is_stored_once(desa, user):
    kim = KIMFactory(desa=desa)
    key = uuid.uuid4()
    values = {"occurred_on": D(2025, 5, 2), "kind": "rapat", "description": "Rapat pengurus"}
    values["kind"] = KIMActivity._meta.get_field("kind").choices[0][0]
    first = services.record_activity(kim=kim, by=user, client_key=key, **values)
    again = services.record_activity(kim=kim, by=user, client_key=key, **values)
    assert again.pk == first.pk
    assert KIMActivity.objects.filter(kim=kim).count() == 1
    assert KIMActivity.objects.get(client_key=key).pk == first.pk


def test_a_status_change_sent_twice_is_stored_once(desa, user):
    kim = KIMFactory(desa=desa)
    key = uuid.uuid4()
    values = {"effective_on": D(2025, 6, 1), "is_active": False, "note": "Vakum"}
    first = services.record_status_change(kim=kim, by=user, client_key=key, **values)
    version = KIM.objects.get(pk=kim.pk).version
    again = services.record_status_change(kim=kim, by=user, client_key=key, **values)
    assert again.pk == first.pk
    assert KIMStatusChange.objects.filter(kim=kim).count() == 2  # opening entry + this one
    assert KIM.objects.get(pk=kim.pk).version == version


def test_a_key_names_one_entry_of_one_kim(desa, user):
    one, other = KIMFactory(desa=desa, name="KIM Satu"), KIMFactory(desa=desa, name="KIM Dua")
    key = uuid.uuid4()
    values = {"occurred_on": D(2025, 5, 2), "description": "Pelatihan"}
    values["kind"] = KIMActivity._meta.get_field("kind").choices[0][0]
    services.record_activity(kim=one, by=user, client_key=key, **values)
    with pytest.raises(ValidationError):
        services.record_activity(kim=other, by=user, client_key=key, **values)
    assert not other.activities.exists()


def test_without_a_key_nothing_changes(desa, user):
    """Imports and commands send no key: entries are stored as before, key empty."""
    kim = KIMFactory(desa=desa)
    assert kim.client_key is None
    assert KIMStatusChange.objects.get(kim=kim).client_key is None


# The pages, as the device's queue sends to them.


def test_register_page_answers_json_and_stores_the_key_once(officer_client, desa):
    key = str(uuid.uuid4())
    data = {
        "kecamatan": desa.kecamatan.code,
        "desa": desa.code,
        "name": "KIM Sumber Maju",
        "formed_on": "2024-03-01",
        "client_key": key,
    }
    url = reverse("villages:kim_create")
    response = officer_client.post(url, data, **JSON)
    assert response.status_code == 200, response.content
    kim = KIM.objects.get(client_key=key)
    assert response.json() == {
        "ok": True,
        "url": kim.get_absolute_url(),
        "message": f"{kim.name} terdaftar.",
    }
    again = officer_client.post(url, data, **JSON)
    assert again.json()["url"] == kim.get_absolute_url()
    assert KIM.objects.filter(desa=desa).count() == 1


def test_register_page_refusal_in_json_names_the_field(officer_client, desa, user):
    KIMFactory(desa=desa, name="KIM Sumber Maju")
    data = {
        "kecamatan": desa.kecamatan.code,
        "desa": desa.code,
        "name": "kim sumber maju",
        "formed_on": "2024-03-01",
        "client_key": str(uuid.uuid4()),
        "confirm_second": "on",
    }
    response = officer_client.post(reverse("villages:kim_create"), data, **JSON)
    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False
    assert answer["errors"]["name"] == ["Sudah ada KIM dengan nama ini di desa/kelurahan ini."]
    assert answer["labels"]["name"] == "Nama KIM"


def test_an_officer_who_lost_the_kecamatan_gets_a_json_refusal(officer_client, desa, user):
    kim = KIMFactory(desa=desa)
    other = Kecamatan.objects.create(
        code="35.07.99", name="LAIN", kabupaten=desa.kecamatan.kabupaten
    )
    limit_to(user, other.code)
    data = {"occurred_on": "2025-05-02", "description": "Rapat", "client_key": str(uuid.uuid4())}
    data["kind"] = KIMActivity._meta.get_field("kind").choices[0][0]
    response = officer_client.post(reverse("villages:kim_activity", args=[kim.pk]), data, **JSON)
    # Outside their wilayah the KIM is not found (its existence is not told), in JSON.
    assert response.status_code == 404
    message = response.json()["errors"]["__all__"][0]
    assert message == "KIM ini tidak ditemukan di wilayah kerja Anda."
    assert not kim.activities.exists()
    with pytest.raises(PermissionDenied):
        services.record_activity(
            kim=kim, by=user, occurred_on=D(2025, 5, 2), kind=data["kind"], description="x"
        )


def test_the_forms_carry_a_fresh_key(officer_client, desa):
    kim = KIMFactory(desa=desa)
    keys = set()
    for url in (
        reverse("villages:kim_create"),
        reverse("villages:kim_create"),
        reverse("villages:kim_activity", args=[kim.pk]),
        reverse("villages:kim_status", args=[kim.pk]),
    ):
        form = officer_client.get(url).context["form"]
        keys.add(str(form["client_key"].value()))
    assert len(keys) == 4
    edit = officer_client.get(reverse("villages:kim_update", args=[kim.pk])).context["form"]
    assert "client_key" not in edit.fields


def test_status_page_resend_is_answered_with_the_stored_change(officer_client, desa):
    """The form's own check ("changes nothing on its date") would refuse the resend."""
    kim = KIMFactory(desa=desa)
    key = str(uuid.uuid4())
    data = {"effective_on": "2025-06-01", "is_active": "false", "note": "Vakum", "client_key": key}
    url = reverse("villages:kim_status", args=[kim.pk])
    assert officer_client.post(url, data, **JSON).json()["ok"] is True
    again = officer_client.post(url, data, **JSON)
    assert again.json() == {
        "ok": True,
        "url": kim.get_absolute_url(),
        "message": "Perubahan status dicatat.",
    }
    assert KIMStatusChange.objects.filter(kim=kim).count() == 2


# The installable app and what the device keeps.


def test_service_worker_manifest_and_favicon_need_no_log_in(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert f'"{reverse("villages:offline_queue")}"' in worker.content.decode()
    assert "worker-src 'self'" in worker["Content-Security-Policy"]
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    icons = manifest.json()["icons"]
    assert {icon["sizes"] for icon in icons} == {"192x192", "512x512"}
    for icon in icons:
        assert client.get(icon["src"]).status_code == 200
    favicon = client.get("/favicon.ico", follow=True)
    assert favicon.status_code == 200
    assert b"".join(favicon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_device_keeps_the_desa_of_the_officers_kecamatan(officer_client, user, desa):
    kim = KIMFactory(desa=desa)
    elsewhere = DesaFactory(name="JAUH")
    KIMFactory(desa=elsewhere)
    limit_to(user, desa.kecamatan.code)
    urls = officer_client.get(reverse("villages:offline_precache")).json()["urls"]
    options = reverse("villages:desa_options")
    assert [url for url in urls if url.startswith(options)] == [
        f"{options}?kecamatan={desa.kecamatan.code}"
    ]
    assert reverse("villages:kim_create") in urls
    assert reverse("villages:kim_activity", args=[kim.pk]) in urls
    assert reverse("villages:kim_status", args=[kim.pk]) in urls
    assert not any(url.startswith(f"/kim/{elsewhere.kims.get().pk}/") for url in urls)
    for url in urls:
        assert officer_client.get(url).status_code == 200, url


def test_the_queue_page_and_the_badge(officer_client):
    page = officer_client.get(reverse("villages:offline_queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-offline-queue" in html
    assert 'data-waiting="menunggu dikirim"' in html
    assert 'rel="manifest"' in html


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (CI runs it)"
)
def test_one_entry_sent_twice_at_the_same_moment_makes_one_kim(transactional_db, monkeypatch):
    """Both sends pass every check before either writes: the database keeps one KIM, and the
    later send answers with it, as a resend does."""
    desa = DesaFactory(name="KEMBAR")
    officers = [user_with_role(f"petugas{i}", "Petugas") for i in range(2)]
    both_checked = threading.Barrier(2, timeout=20)
    original = services.check_registrations

    def check_then_wait(entries, *, by):
        result = original(entries, by=by)
        if entries and entries[0].get("client_key") and not _retrying.get(by.pk):
            _retrying[by.pk] = True
            both_checked.wait()
        return result

    _retrying = {}
    monkeypatch.setattr(services, "check_registrations", check_then_wait)
    data = {
        "kecamatan": desa.kecamatan.code,
        "desa": desa.code,
        "name": "KIM Kembar",
        "formed_on": "2024-05-05",
        "client_key": str(uuid.uuid4()),
    }
    answers = [None, None]

    def send(i):
        try:
            client = Client()
            client.force_login(officers[i])
            answers[i] = client.post(reverse("villages:kim_create"), data, **JSON)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    kim = KIM.objects.get(name="KIM Kembar")
    assert str(kim.client_key) == data["client_key"]
    assert [answer.json()["url"] for answer in answers] == [kim.get_absolute_url()] * 2


def test_pages_load_the_offline_script_only_when_offline_entry_is_on(officer_client, settings):
    settings.KIM_OFFLINE_ENTRY = True
    assert "js/offline.js" in officer_client.get("/").content.decode()
    settings.KIM_OFFLINE_ENTRY = False
    assert "js/offline.js" not in officer_client.get("/").content.decode()
