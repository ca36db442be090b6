"""The token page /akun/token/: a user makes a token (shown once), lists their tokens with their
last use, and revokes one; the API then refuses it."""

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from api.models import PersonalAccessToken

from ..conftest import user_with_role


@pytest.fixture
def signed_in(client, staf):
    client.force_login(staf)
    return client


def make(client, name="Dasbor provinsi") -> tuple[str, object]:
    response = client.post(reverse("api_tokens"), {"name": name})
    assert response.status_code == 200
    match = re.search(r'value="(kim_[^"]+)"[^>]*data-token-value', response.content.decode())
    return match.group(1), response


def test_a_token_is_made_shown_once_and_stored_as_a_hash(signed_in, staf):
    token, response = make(signed_in)
    assert "no-store" in response["Cache-Control"]
    row = PersonalAccessToken.objects.get(user=staf)
    assert row.name == "Dasbor provinsi"
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row.prefix)
    # Listed by its prefix, never again in full.
    page = signed_in.get(reverse("api_tokens")).content.decode()
    assert row.prefix in page
    assert token not in page
    assert "belum pernah dipakai" in page


def test_the_api_takes_it_the_page_shows_its_use_and_revoking_ends_it(signed_in, staf):
    token, _response = make(signed_in)
    client = Client()
    answer = client.get("/api/v1/target/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200
    page = signed_in.get(reverse("api_tokens")).content.decode()
    assert "terakhir dipakai" in page
    row = PersonalAccessToken.objects.get(user=staf)
    response = signed_in.post(reverse("api_token_revoke", args=[row.pk]))
    assert response.status_code == 302
    assert PersonalAccessToken.objects.get(pk=row.pk).revoked_at is not None
    assert client.get("/api/v1/target/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    page = signed_in.get(reverse("api_tokens")).content.decode()
    assert "Dicabut" in page


def test_a_name_is_required(signed_in):
    response = signed_in.post(reverse("api_tokens"), {"name": "  "})
    assert response.status_code == 200
    assert "data-token-value" not in response.content.decode()
    assert not PersonalAccessToken.objects.exists()


def test_nobody_revokes_anothers_token(signed_in, staf, db):
    other = user_with_role("lain", "Staf")
    from api import services

    row, token = services.create_token(user=other, name="milik orang lain")
    assert signed_in.post(reverse("api_token_revoke", args=[row.pk])).status_code == 404
    assert PersonalAccessToken.objects.get(pk=row.pk).revoked_at is None
    page = signed_in.get(reverse("api_tokens")).content.decode()
    assert row.prefix not in page
    # Revoking is a POST.
    assert signed_in.get(reverse("api_token_revoke", args=[row.pk])).status_code == 405


def test_the_account_menu_links_to_it(signed_in):
    assert reverse("api_tokens") in signed_in.get("/akun/sandi/").content.decode()


def test_the_superuser_revokes_a_token_in_the_admin(client, staf):
    from api import services

    from ..factories import UserFactory

    row, token = services.create_token(user=staf, name="skrip")
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    listing = client.get("/admin/api/personalaccesstoken/")
    assert listing.status_code == 200
    assert row.prefix in listing.content.decode()
    assert token not in listing.content.decode()
    assert (
        row.key_hash
        not in client.get(f"/admin/api/personalaccesstoken/{row.pk}/change/").content.decode()
    )
    client.post(
        "/admin/api/personalaccesstoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    assert PersonalAccessToken.objects.get(pk=row.pk).revoked_at is not None
