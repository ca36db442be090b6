"""Every URL pattern, walked with GET and POST by an anonymous visitor and each role: who may
do what is decided here, so a new page without a decision fails this test. Also the
Content-Security-Policy: scripts and styles only from our own files (and the exact CDN files
when the CDN is on), no inline script, handler or style attribute."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kimtracker import vendor
from villages import services
from villages.models import KIM, Desa, Kecamatan

from .factories import UserFactory

ANON, STAF, PETUGAS, MANAJER = "anon", "staf", "petugas", "manajer"
ROLES = [ANON, STAF, PETUGAS, MANAJER]
# Token-authenticated (the read API): no session opens it, signed in or not; the endpoints
# answer 401 with WWW-Authenticate to GET and 405 to POST (read only), never the log-in page.
TOKEN = "token"

# URL name -> the lowest role that may use it (None: anybody).
ACCESS = {
    "login": None,
    "logout": None,
    "password_reset": None,
    "password_reset_done": None,
    "password_reset_confirm": None,
    "password_reset_complete": None,
    "set_language": None,
    # The installable app: the browser fetches these on its own, signed in or not.
    "service_worker": None,
    "web_manifest": None,
    "favicon": None,
    "password_change": STAF,
    "password_change_done": STAF,
    # The read API's tokens, on the user's account pages; its documentation and schema.
    "api_tokens": STAF,
    "api_token_revoke": STAF,
    "api_docs": STAF,
    "api_index": STAF,
    "api:openapi-json": STAF,
    "api:api-root": STAF,
    # The read API itself answers personal access tokens only (tests/api/): 401 to a session.
    "api:wilayah": TOKEN,
    "api:coverage": TOKEN,
    "api:comparison": TOKEN,
    "api:kim_list": TOKEN,
    "api:kim_detail": TOKEN,
    "api:kim_activities": TOKEN,
    "api:targets": TOKEN,
    "api:monthly_report": TOKEN,
    "dashboard": STAF,
    "map": STAF,
    "reports:map_data": STAF,
    "reports:followup": STAF,
    "reports:comparison": STAF,
    "villages:kecamatan_list": STAF,
    "villages:kecamatan_detail": STAF,
    "villages:desa_list": STAF,
    "villages:desa_uncovered": STAF,
    "villages:desa_options": STAF,
    "villages:kecamatan_options": STAF,
    "villages:desa_detail": STAF,
    "villages:kim_list": STAF,
    "villages:offline_queue": STAF,
    "villages:offline_precache": STAF,
    "villages:kim_detail": STAF,
    "villages:kim_create": PETUGAS,
    "villages:kim_update": PETUGAS,
    "villages:kim_status": PETUGAS,
    "villages:kim_void": PETUGAS,
    "villages:kim_activity": PETUGAS,
    "villages:kim_import": PETUGAS,
    "villages:kim_import_confirm": PETUGAS,
    "villages:kim_import_template": PETUGAS,
    "villages:activity_import": PETUGAS,
    "villages:activity_import_confirm": PETUGAS,
    "villages:activity_import_template": PETUGAS,
    "villages:audit_log": MANAJER,
    "villages:user_list": MANAJER,
    "villages:user_invite": MANAJER,
    "villages:user_events": MANAJER,
    "villages:user_detail": MANAJER,
    "two_factor_verify": STAF,
    "two_factor_setup": MANAJER,
    "reports:index": MANAJER,
    "reports:monthly": MANAJER,
    "reports:targets": MANAJER,
    "reports:open_data": MANAJER,
    "reports:publish": MANAJER,
    "reports:publication": MANAJER,
    # The public check of a printed report: number, month, hash, whether revised; no data.
    "reports:verify": None,
    "boundary_upload": MANAJER,
    "boundary_upload_confirm": MANAJER,
}


def named_patterns(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def sample_url(name, pattern, kim):
    kwargs = {}
    for key in pattern.pattern.converters:
        kwargs[key] = {
            "code": "35.07.07.2016" if "desa" in name else "35.07.07",
            "pk": kim.pk,
            "format": "csv",
            "uidb64": "MQ",
            "token": "tanda-palsu",
            "month": "2020-06",
            "kind": "csv",
            "revision": 1,
            "public_id": "00000000-0000-4000-8000-000000000000",
        }[key]
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def setting(malang, user, staf, manajer):
    kim = services.register_kim(
        desa=Desa.objects.get(code="35.07.07.2016"),
        name="KIM Gubugklakah",
        formed_on="2020-01-01",
        by=None,
    )
    return {STAF: staf, PETUGAS: user, MANAJER: manajer}, kim


def test_every_url_has_an_access_decision():
    assert {name for name, _p in named_patterns()} == set(ACCESS)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_it_may(client, setting, role):
    users, kim = setting
    if role != ANON:
        client.force_login(users[role])
    for name, pattern in named_patterns():
        lowest = ACCESS[name]
        url = sample_url(name, pattern, kim)
        if lowest == TOKEN:
            response = client.get(url)
            assert response.status_code == 401, (name, response.status_code)
            assert response["WWW-Authenticate"].startswith("Bearer"), name
            assert client.post(url, {}).status_code == 405, name
            continue
        allowed = lowest is None or (role != ANON and ROLES.index(role) >= ROLES.index(lowest))
        for method in ("get", "post"):
            response = getattr(client, method)(url, {})
            status = response.status_code
            if allowed:
                assert status not in (401, 403), (name, method, status)
                assert status < 500, (name, method, status)
                if lowest is not None:
                    assert not (status == 302 and "/akun/masuk/" in response.url), (name, method)
            elif role == ANON:
                assert status == 302, (name, method)
                assert response.url.startswith("/akun/masuk/"), (name, method)
            else:
                assert status == 403, (name, method, status)
        if role != ANON and name == "logout":
            client.force_login(users[role])
    # Nothing a refused or empty POST did changed the registry.
    assert KIM.objects.count() == 1
    assert KIM.objects.get().voided_at is None


def test_admin_is_for_the_superuser_only(client, setting):
    users, _kim = setting
    client.force_login(users[MANAJER])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def _pages(kim) -> list[tuple[str, str]]:
    """Pages of every kind, with who reads them (the log-in pages anonymously)."""
    pages = [
        "/",
        "/peta/",
        "/kecamatan/",
        "/desa/",
        "/kim/",
        kim.get_absolute_url(),
        "/kim/baru/",
        f"/kim/{kim.pk}/ubah/",
        "/audit/",
        "/tindak-lanjut/",
        "/laporan/",
        "/laporan/bulanan/2020-06/",
        "/laporan/target/",
    ]
    admin = ["/admin/", "/admin/villages/kim/", f"/admin/villages/kim/{kim.pk}/change/"]
    return [
        *((url, MANAJER) for url in pages),
        *((url, "superuser") for url in admin),
        ("/akun/masuk/", ANON),
        ("/admin/login/", ANON),
    ]


def clients(users):
    """A client per role, logged in (``ANON`` not)."""
    made = {}

    def client_for(role):
        if role not in made:
            made[role] = Client()
            if role == "superuser":
                made[role].force_login(
                    UserFactory(username="admin", is_staff=True, is_superuser=True)
                )
            elif role != ANON:
                made[role].force_login(users[role])
        return made[role]

    return client_for


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


def _check_page(url, response, allowed_cdn: dict[str, list[str]]):
    """The page's policy allows scripts and styles only from our own files (and the exact CDN
    files ``allowed_cdn`` lists), and its HTML needs nothing more: no inline script, handler or
    style attribute; a <style> element only with the response's nonce."""
    directives = _directives(response)
    html = response.content.decode()
    assert response.status_code == 200, url
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["font-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert directives["script-src"] == ["'self'", *allowed_cdn["js"]], url
    nonces = [s for s in directives["style-src"] if s.startswith("'nonce-")]
    assert directives["style-src"] == ["'self'", *nonces, *allowed_cdn["css"]], url
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
    assert not re.search(r"\son[a-z]+=\"", html), url  # no inline event handlers
    assert not re.search(r"\sstyle=", html), url  # no inline style attributes
    for tag in re.findall(r"<style\b[^>]*>", html):
        assert re.search(r'nonce="([^"]+)"', tag).group(1) == nonces[0][7:-1], (url, tag)


@pytest.mark.parametrize("boundaries", [False, True])
def test_csp_allows_only_our_own_files_without_the_cdn(setting, boundaries):
    users, kim = setting
    if boundaries:
        square = [[112.7, -8.1], [112.75, -8.1], [112.75, -8.05], [112.7, -8.1]]
        Kecamatan.objects.filter(code="35.07.07").update(
            boundary={"type": "Polygon", "coordinates": [square]}
        )
    for url, role in _pages(kim):
        _check_page(url, clients(users)(role).get(url), {"js": [], "css": []})


def test_csp_allows_exactly_the_cdn_files_with_the_cdn(setting, settings):
    """With ``KIM_ASSETS_FROM_CDN`` on: the jsDelivr files of ``kimtracker.vendor``, each by its
    full address, and nothing else of jsDelivr (the issue: all of it, even with the CDN off)."""
    settings.KIM_ASSETS_FROM_CDN = True
    users, kim = setting
    allowed = {"js": vendor.cdn_urls("js"), "css": vendor.cdn_urls("css")}
    assert all(url.startswith("https://cdn.jsdelivr.net/npm/") for url in allowed["js"])
    for url, role in _pages(kim):
        response = clients(users)(role).get(url)
        _check_page(url, response, allowed)
        assert "https://cdn.jsdelivr.net " not in response["Content-Security-Policy"] + " "
