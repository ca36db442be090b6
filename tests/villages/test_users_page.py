"""The users pages (/pengguna/): a Manajer manages the users of their own wilayah only, by
invitation, role and wilayah, deactivation; every change is an AccountEvent."""

import io
import smtplib
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from villages import accounts
from villages.choices import AccountEventKind as Kind
from villages.models import AccountEvent

from ..conftest import user_with_role
from ..factories import UserFactory, kota_batu

PASSWORD = "Rahasia-kuat-2026"


@pytest.fixture
def office(malang):
    """Kabupaten Malang's Manajer, an officer of one of its kecamatan, and Kota Batu's Staf
    (plus a national Staf) whom the Malang Manajer must not see."""
    kota_batu()
    return {
        "kabid": user_with_role("kabid", "Manajer", wilayah=("35.07",)),
        "tumpang": user_with_role("tumpang", "Petugas", wilayah=("35.07.08",)),
        "batu": user_with_role("batu", "Staf", wilayah=("35.79",)),
        "nasional": user_with_role("nasional", "Staf"),
    }


@pytest.fixture
def kabid_client(client, office):
    client.force_login(office["kabid"])
    return client


def detail(user) -> str:
    return reverse("villages:user_detail", args=[user.pk])


def kinds(user) -> list[str]:
    return sorted(AccountEvent.objects.filter(user=user).values_list("kind", flat=True))


def test_the_list_holds_the_users_within_the_managers_wilayah_only(kabid_client, office):
    page = kabid_client.get(reverse("villages:user_list"))
    assert page.status_code == 200
    usernames = {row.username for row in page.context["table"].data}
    assert usernames == {"kabid", "tumpang"}
    html = page.content.decode()
    assert "Kecamatan Wajak" in html
    assert "Belum pernah" in html
    assert "batu" not in usernames
    assert "nasional" not in usernames


def test_a_user_outside_the_wilayah_is_not_found(kabid_client, office):
    for name in ("batu", "nasional"):
        url = detail(office[name])
        assert kabid_client.get(url).status_code == 404
        response = kabid_client.post(url, {"action": "nonaktifkan", "status-reason": "x"})
        assert response.status_code == 404
    assert get_user_model().objects.get(username="batu").is_active


def test_the_superuser_sees_everyone(client, office):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = client.get(reverse("villages:user_list"))
    usernames = {row.username for row in page.context["table"].data}
    assert {"kabid", "tumpang", "batu", "nasional", "root"} <= usernames


def test_a_manajer_sets_role_and_wilayah_within_their_own(kabid_client, office):
    tumpang = office["tumpang"]
    response = kabid_client.post(
        detail(tumpang),
        {
            "action": "ubah",
            "peran-role": "Staf",
            "peran-wilayah": ["35.07.07", "35.07.08"],
            "peran-reason": "Pindah ke kantor",
        },
    )
    assert response.status_code == 302
    assert list(tumpang.groups.values_list("name", flat=True)) == ["Staf"]
    assert sorted(tumpang.wilayah_scope.values_list("code", flat=True)) == [
        "35.07.07",
        "35.07.08",
    ]
    role = AccountEvent.objects.get(user=tumpang, kind=Kind.ROLE_CHANGED)
    assert (role.by, role.detail, role.reason) == (
        office["kabid"],
        "Petugas → Staf",
        "Pindah ke kantor",
    )
    given = AccountEvent.objects.get(user=tumpang, kind=Kind.WILAYAH_GIVEN)
    assert given.detail.startswith("35.07.07 Kecamatan")
    page = kabid_client.get(detail(tumpang))
    assert "Pindah ke kantor" in page.content.decode()


@pytest.mark.parametrize("codes", [["35.79"], [""], ["35"], ["35.79.03", "35.07.08"]])
def test_a_manajer_cannot_grant_outside_their_wilayah(kabid_client, office, codes):
    tumpang = office["tumpang"]
    page = kabid_client.post(
        detail(tumpang),
        {"action": "ubah", "peran-role": "Manajer", "peran-wilayah": codes, "peran-reason": "x"},
    )
    assert page.status_code == 200
    assert page.context["role_form"].errors["wilayah"]
    assert list(tumpang.wilayah_scope.values_list("code", flat=True)) == ["35.07.08"]
    assert list(tumpang.groups.values_list("name", flat=True)) == ["Petugas"]
    # Nor through the service, whatever a form offers.
    with pytest.raises(PermissionDenied):
        accounts.set_role_and_wilayah(tumpang, role="Staf", codes=codes, by=office["kabid"])
    assert kinds(tumpang) == []


def test_the_wilayah_offered_are_the_managers_own_and_those_inside(office):
    codes = [code for code, _label in accounts.assignable_wilayah(office["kabid"])]
    assert codes[0] == "35.07"
    assert "35.07.08" in codes
    assert len(codes) == 1 + 33
    assert not any(code.startswith("35.79") for code in codes)


def test_a_manajer_cannot_change_themselves(kabid_client, office):
    kabid = office["kabid"]
    page = kabid_client.get(detail(kabid))
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-self" in html
    assert "data-role-form" not in html
    page = kabid_client.post(
        detail(kabid),
        {
            "action": "ubah",
            "peran-role": "Manajer",
            "peran-wilayah": ["35.07"],
            "peran-reason": "x",
        },
    )
    assert "akun Anda sendiri" in page.content.decode()
    kabid_client.post(detail(kabid), {"action": "nonaktifkan", "status-reason": "x"})
    kabid.refresh_from_db()
    assert kabid.is_active
    with pytest.raises(PermissionDenied, match="akun Anda sendiri"):
        accounts.deactivate_user(kabid, by=kabid)
    with pytest.raises(PermissionDenied, match="akun Anda sendiri"):
        accounts.set_role_and_wilayah(kabid, role="Manajer", codes=["35.07"], by=kabid)
    assert kinds(kabid) == []


def test_an_invitation_mails_a_link_that_sets_the_password(kabid_client, office, mailoutbox):
    response = kabid_client.post(
        reverse("villages:user_invite"),
        {
            "email": "sri@example.org",
            "username": "sri",
            "first_name": "Sri",
            "last_name": "Wahyuni",
            "role": "Petugas",
            "wilayah": ["35.07.08"],
            "reason": "Petugas baru",
        },
    )
    sri = get_user_model().objects.get(username="sri")
    assert response.status_code == 302
    assert response.url == detail(sri)
    assert sri.is_active
    assert not sri.has_usable_password()
    assert list(sri.groups.values_list("name", flat=True)) == ["Petugas"]
    assert list(sri.wilayah_scope.values_list("code", flat=True)) == ["35.07.08"]
    assert kinds(sri) == [Kind.INVITED, Kind.ROLE_CHANGED, Kind.WILAYAH_GIVEN]
    assert set(AccountEvent.objects.filter(user=sri).values_list("by", flat=True)) == {
        office["kabid"].pk
    }
    (mail,) = mailoutbox
    assert mail.to == ["sri@example.org"]
    assert mail.subject == "Undangan ke KIM Tracker"
    link = next(line for line in mail.body.splitlines() if "/akun/reset/" in line)
    # Sri, on her own device, follows the link and sets her password.
    sri_client = Client()
    page = sri_client.get(link.split("testserver")[1], follow=True)
    assert "Buat kata sandi baru" in page.content.decode()
    page = sri_client.post(
        page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert page.status_code == 302
    page = sri_client.post(reverse("login"), {"username": "sri", "password": PASSWORD})
    assert page.status_code == 302
    assert page.url == reverse("dashboard")
    # The link is spent.
    page = sri_client.get(link.split("testserver")[1], follow=True)
    assert "Tautan ini tidak berlaku lagi" in page.content.decode()
    # The list shows her last log-in.
    listed = kabid_client.get(reverse("villages:user_list"), {"q": "sri"})
    (row,) = listed.context["table"].data
    assert row.last_login is not None


def test_an_invitation_refuses_a_taken_username_or_email(kabid_client, office, mailoutbox):
    data = {"role": "Staf", "wilayah": ["35.07"], "first_name": "", "last_name": ""}
    page = kabid_client.post(
        reverse("villages:user_invite"),
        {**data, "username": "TUMPANG", "email": "baru@example.org"},
    )
    assert "Nama pengguna TUMPANG sudah dipakai" in page.content.decode()
    page = kabid_client.post(
        reverse("villages:user_invite"),
        {**data, "username": "baru", "email": "Batu@Example.org"},
    )
    # Taken by a user of Kota Batu: refused all the same (addresses are unique everywhere).
    assert "sudah dipakai oleh pengguna lain" in page.content.decode()
    page = kabid_client.post(
        reverse("villages:user_invite"),
        {**data, "username": "baru", "email": "baru@example.org", "wilayah": ["35.79"]},
    )
    assert page.context["form"].errors["wilayah"]
    assert not get_user_model().objects.filter(username="baru").exists()
    assert mailoutbox == []


def test_a_deactivated_user_cannot_log_in_and_keeps_their_history(kabid_client, office):
    tumpang = office["tumpang"]
    tumpang.set_password(PASSWORD)
    tumpang.save()
    their_session = Client()
    their_session.force_login(tumpang)
    assert their_session.get(reverse("dashboard")).status_code == 200
    page = kabid_client.post(detail(tumpang), {"action": "nonaktifkan", "status-reason": ""})
    assert page.context["active_form"].errors["reason"]  # why is asked
    kabid_client.post(detail(tumpang), {"action": "nonaktifkan", "status-reason": "Pensiun"})
    tumpang.refresh_from_db()
    assert not tumpang.is_active
    assert get_user_model().objects.filter(pk=tumpang.pk).exists()
    # Logged out at the next request, and refused at the log-in.
    assert their_session.get(reverse("dashboard")).status_code == 302
    page = Client().post(reverse("login"), {"username": "tumpang", "password": PASSWORD})
    assert page.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in page.content.decode()
    # Still listed (as inactive), with their wilayah and their history.
    page = kabid_client.get(reverse("villages:user_list"), {"aktif": "tidak"})
    assert [row.username for row in page.context["table"].data] == ["tumpang"]
    page = kabid_client.get(detail(tumpang))
    assert "Pensiun" in page.content.decode()
    assert "data-inactive" in page.content.decode()
    event = AccountEvent.objects.get(user=tumpang, kind=Kind.DEACTIVATED)
    assert (event.by, event.reason) == (office["kabid"], "Pensiun")
    kabid_client.post(detail(tumpang), {"action": "aktifkan", "status-reason": "Kembali"})
    tumpang.refresh_from_db()
    assert tumpang.is_active
    assert kinds(tumpang) == [Kind.DEACTIVATED, Kind.REACTIVATED]
    page = Client().post(reverse("login"), {"username": "tumpang", "password": PASSWORD})
    assert page.status_code == 302


def test_the_history_page_holds_the_events_of_the_managers_users_only(kabid_client, office):
    accounts.set_role_and_wilayah(office["batu"], role="Petugas", codes=["35.79"], reason="Batu")
    accounts.deactivate_user(office["tumpang"], by=office["kabid"], reason="Cuti panjang")
    page = kabid_client.get(reverse("villages:user_events"))
    assert page.status_code == 200
    reasons = [event.reason for event in page.context["table"].data]
    assert reasons == ["Cuti panjang"]
    csv = kabid_client.get(reverse("villages:user_events"), {"_export": "csv"})
    assert "Cuti panjang" in csv.content.decode()
    assert "Batu" not in csv.content.decode()


def test_a_resent_invitation_is_recorded(kabid_client, office, mailoutbox):
    tumpang = office["tumpang"]
    kabid_client.post(detail(tumpang), {"action": "undang"})
    (mail,) = mailoutbox
    assert mail.to == [tumpang.email]
    assert kinds(tumpang) == [Kind.INVITATION_SENT]


@pytest.mark.parametrize("who", ["staf", "user"])
def test_staf_and_petugas_are_refused(client, office, request, who):
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("villages:user_list"),
        reverse("villages:user_invite"),
        reverse("villages:user_events"),
        detail(office["tumpang"]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "nonaktifkan", "status-reason": "x"}).status_code == 403
    assert "data-nav-users" not in client.get(reverse("dashboard")).content.decode()
    with pytest.raises(PermissionDenied, match="Hanya Manajer"):
        accounts.deactivate_user(office["tumpang"], by=request.getfixturevalue(who))


def test_the_menu_shows_the_users_page_to_a_manajer(kabid_client):
    assert "data-nav-users" in kabid_client.get(reverse("dashboard")).content.decode()


def test_the_list_runs_the_same_queries_however_many_users(kabid_client, office):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert kabid_client.get(reverse("villages:user_list")).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        user_with_role(f"desa{n}", "Staf", wilayah=(f"35.07.0{n + 1}",))
    assert count() == few


def test_a_mail_server_failure_keeps_the_invited_user_and_says_so(kabid_client, office):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("relay refused")

    with mock.patch("villages.accounts.send_mail", refuse):
        response = kabid_client.post(
            reverse("villages:user_invite"),
            {"email": "eko@example.org", "username": "eko", "role": "Staf", "wilayah": ["35.07"]},
            follow=True,
        )
        assert "e-mail undangan gagal dikirim" in response.content.decode()
        eko = get_user_model().objects.get(username="eko")
        page = kabid_client.post(detail(eko), {"action": "undang"})
        assert "gagal dikirim" in page.content.decode()
    assert kinds(eko) == [Kind.INVITED, Kind.ROLE_CHANGED, Kind.WILAYAH_GIVEN]


# --- Peers: a Manajer of the very same wilayah ----------------------------------------------

PEER_REFUSAL = "Manajer dengan wilayah yang sama"


@pytest.mark.parametrize("wilayah", [("35.07",), ("35.07", "35.07.08")])
def test_a_manajer_cannot_change_a_peer_manajer(kabid_client, office, mailoutbox, wilayah):
    """A second Manajer of Kabupaten Malang (their kecamatan row adds nothing to the
    kabupaten) is listed and shown, but neither Manajer demotes, re-scopes, deactivates or
    re-invites the other: the page offers no form, a forged POST and the service are
    refused, and nothing is written."""
    kasi = user_with_role("kasi", "Manajer", wilayah=wilayah)
    page = kabid_client.get(reverse("villages:user_list"))
    assert "kasi" in {row.username for row in page.context["table"].data}
    page = kabid_client.get(detail(kasi))
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-peer" in html
    for form in ("data-role-form", "data-active-form", "data-resend-form"):
        assert form not in html
    for data in (
        {
            "action": "ubah",
            "peran-role": "Staf",
            "peran-wilayah": ["35.07.08"],
            "peran-reason": "x",
        },
        {"action": "ubah"},  # an empty form: the refusal all the same, not the form's errors
        {"action": "nonaktifkan", "status-reason": "Dilengserkan"},
        {"action": "undang"},
    ):
        page = kabid_client.post(detail(kasi), data)
        assert page.status_code == 403
        assert PEER_REFUSAL in page.content.decode()
    kabid = office["kabid"]
    with pytest.raises(PermissionDenied, match=PEER_REFUSAL):
        accounts.set_role_and_wilayah(kasi, role="Staf", codes=["35.07.08"], by=kabid)
    with pytest.raises(PermissionDenied, match=PEER_REFUSAL):
        accounts.deactivate_user(kasi, by=kabid, reason="x")
    kasi.refresh_from_db()
    assert kasi.is_active
    assert list(kasi.groups.values_list("name", flat=True)) == ["Manajer"]
    assert sorted(kasi.wilayah_scope.values_list("code", flat=True)) == sorted(wilayah)
    assert kinds(kasi) == []
    assert mailoutbox == []
    # The other way round too.
    with pytest.raises(PermissionDenied, match=PEER_REFUSAL):
        accounts.deactivate_user(kabid, by=kasi, reason="x")
    assert accounts.may_manage(kabid, office["tumpang"])
    assert not accounts.may_manage(kabid, kasi)


def test_a_deactivated_peer_is_not_reactivated_by_a_peer(kabid_client, office):
    kasi = user_with_role("kasi", "Manajer", wilayah=("35.07",))
    accounts.deactivate_user(kasi, by=None, reason="Cuti")
    page = kabid_client.post(detail(kasi), {"action": "aktifkan", "status-reason": "Kembali"})
    assert page.status_code == 403
    kasi.refresh_from_db()
    assert not kasi.is_active


def test_a_manajer_of_a_wider_wilayah_manages_the_manajer_below(client, office):
    """A provincial Manajer manages the Kabupaten Malang Manajer; the Kabupaten Manajer
    manages a Manajer of one of its kecamatan; the superuser manages anyone."""
    kabid = office["kabid"]
    camat = user_with_role("manajer-wajak", "Manajer", wilayah=("35.07.08",))
    client.force_login(user_with_role("provinsi", "Manajer", wilayah=("35",)))
    page = client.get(detail(kabid))
    assert "data-role-form" in page.content.decode()
    assert "data-peer" not in page.content.decode()
    response = client.post(
        detail(kabid),
        {"action": "ubah", "peran-role": "Staf", "peran-wilayah": ["35.07"], "peran-reason": "x"},
    )
    assert response.status_code == 302
    assert list(kabid.groups.values_list("name", flat=True)) == ["Staf"]
    accounts.set_role_and_wilayah(kabid, role="Manajer", codes=["35.07"], by=None)
    accounts.deactivate_user(camat, by=kabid, reason="Mutasi")
    camat.refresh_from_db()
    assert not camat.is_active
    root = UserFactory(username="root", is_superuser=True)
    accounts.deactivate_user(kabid, by=root, reason="Pensiun")
    kabid.refresh_from_db()
    assert not kabid.is_active


def test_grant_still_changes_a_peer_from_the_command_line(office):
    kasi = user_with_role("kasi", "Manajer", wilayah=("35.07",))
    call_command("grant", "kasi", "--role", "Staf", "--wilayah", "35.07", stdout=io.StringIO())
    assert list(kasi.groups.values_list("name", flat=True)) == ["Staf"]
