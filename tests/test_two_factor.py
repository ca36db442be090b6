"""The optional two-step log-in (kimtracker.two_factor): a Manajer enrols an authenticator; from
then on their log-in asks for its code, and no page opens before it."""

import time

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from villages.choices import AccountEventKind
from villages.models import AccountEvent

from .conftest import user_with_role

PASSWORD = "Rahasia-kuat-2026"


def code(device, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows (``steps_ahead`` periods later: a code is good
    once, and the device accepts the next period's)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def log_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def test_a_manajer_enrols_and_then_owes_a_code_at_each_log_in(client, manajer, settings):
    manajer.set_password(PASSWORD)
    manajer.save()
    assert log_in(client, manajer).url == reverse("dashboard")
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=manajer, confirmed=False)
    page = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "Kode salah" in page.content.decode()
    # Codes tried in a row wait longer and longer (django-otp's throttling)...
    page = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "Terlalu banyak kode yang salah" in page.content.decode()
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # ... which the rest of this test does not wait for
    device.refresh_from_db()
    client.post(reverse("two_factor_setup"), {"token": code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert "data-two-factor-on" in client.get(reverse("two_factor_setup")).content.decode()

    client.post(reverse("logout"))
    response = log_in(client, manajer)
    assert response.url.startswith(reverse("two_factor_verify"))
    # No page opens before the code.
    page = client.get(reverse("villages:kim_list"))
    assert page.status_code == 302
    assert page.url.startswith(reverse("two_factor_verify"))
    page = client.post(reverse("two_factor_verify"), {"token": "123", "next": "/kim/"})
    assert page.status_code == 200
    page = client.post(reverse("two_factor_verify"), {"token": code(device, 1), "next": "/kim/"})
    assert page.status_code == 302
    assert page.url == "/kim/"
    assert client.get(reverse("villages:kim_list")).status_code == 200


def test_without_an_authenticator_the_log_in_is_as_before(client, user):
    user.set_password(PASSWORD)
    user.save()
    assert log_in(client, user).url == reverse("dashboard")
    assert client.get(reverse("two_factor_verify")).status_code == 302
    assert client.get(reverse("villages:kim_list")).status_code == 200
    # Enrolment is for managers.
    assert client.get(reverse("two_factor_setup")).status_code == 403


def test_enrolling_and_removing_are_in_the_account_log(client, manajer, settings):
    """Who may log in how is a fact of the account: enrolment and removal are account events,
    by the user themselves, on their page and the users' history, as a role change is. A wrong
    code changes nothing and records nothing."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client.force_login(manajer)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=manajer, confirmed=False)
    client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert not AccountEvent.objects.exists()
    client.post(reverse("two_factor_setup"), {"token": code(device)})
    device.refresh_from_db()
    assert device.confirmed
    enrolled = AccountEvent.objects.get()
    assert (enrolled.user, enrolled.by, enrolled.kind) == (
        manajer,
        manajer,
        AccountEventKind.TWO_FACTOR_ENABLED,
    )

    client.post(reverse("two_factor_setup"), {"token": "000000"})  # removal needs a good code
    assert TOTPDevice.objects.filter(user=manajer).exists()
    assert AccountEvent.objects.count() == 1
    client.post(reverse("two_factor_setup"), {"token": code(device, 1)})
    assert not TOTPDevice.objects.filter(user=manajer).exists()
    removed = AccountEvent.objects.latest("pk")
    assert (removed.user, removed.by, removed.kind) == (
        manajer,
        manajer,
        AccountEventKind.TWO_FACTOR_REMOVED,
    )

    # Shown where account events are shown, to a Manajer who manages this one.
    client.force_login(user_with_role("manajer-lain", "Manajer"))
    labels = (AccountEventKind.TWO_FACTOR_ENABLED.label, AccountEventKind.TWO_FACTOR_REMOVED.label)
    for url in (
        reverse("villages:user_detail", args=[manajer.pk]),
        reverse("villages:user_events"),
    ):
        html = client.get(url).content.decode()
        assert all(str(label) in html for label in labels), url


def test_a_lost_device_removed_in_the_admin_is_in_the_account_log(client, manajer):
    """The administrator removes a Manajer's lost authenticator in the Django admin: the
    device goes, and the account log says so, by the administrator."""
    from django.contrib.auth import get_user_model

    device = TOTPDevice.objects.create(user=manajer, name="KIM Tracker", confirmed=True)
    admin_user = get_user_model().objects.create_superuser("admin-otp", "a@example.org", "x")
    client.force_login(admin_user)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    event = AccountEvent.objects.get()
    assert (event.user, event.by, event.kind) == (
        manajer,
        admin_user,
        AccountEventKind.TWO_FACTOR_REMOVED,
    )
    # Several at once, from the list's action.
    devices = [
        TOTPDevice.objects.create(user=user_with_role(f"m{i}", "Manajer"), confirmed=True)
        for i in range(2)
    ]
    client.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "delete_selected", "_selected_action": [d.pk for d in devices], "post": "yes"},
    )
    assert not TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).exists()
    assert AccountEvent.objects.filter(by=admin_user).count() == 3
