"""Every URL pattern, walked with GET and POST by an anonymous visitor and each role: who may
do what is decided here, so a new page without a decision fails this test. Also the
Content-Security-Policy and the absence of inline scripts."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from villages import services
from villages.models import KIM, Desa

ANON, STAF, PETUGAS, MANAJER = "anon", "staf", "petugas", "manajer"
ROLES = [ANON, STAF, PETUGAS, MANAJER]

# URL name -> the lowest role that may use it (None: anybody).
ACCESS = {
    "login": None,
    "logout": None,
    "password_reset": None,
    "password_reset_done": None,
    "password_reset_confirm": None,
    "password_reset_complete": None,
    "set_language": None,
    "password_change": STAF,
    "password_change_done": STAF,
    "dashboard": STAF,
    "map": STAF,
    "reports:map_data": STAF,
    "reports:followup": STAF,
    "villages:kecamatan_list": STAF,
    "villages:kecamatan_detail": STAF,
    "villages:desa_list": STAF,
    "villages:desa_uncovered": STAF,
    "villages:desa_options": STAF,
    "villages:kecamatan_options": STAF,
    "villages:desa_detail": STAF,
    "villages:kim_list": STAF,
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
    "reports:index": MANAJER,
    "reports:monthly": MANAJER,
    "reports:targets": MANAJER,
    "reports:open_data": MANAJER,
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


def test_csp_and_no_inline_script(client, setting):
    users, kim = setting
    client.force_login(users[MANAJER])
    for url in (
        "/",
        "/peta/",
        "/kecamatan/",
        "/desa/",
        "/kim/",
        kim.get_absolute_url(),
        "/kim/baru/",
        f"/kim/{kim.pk}/ubah/",
        "/audit/",
        "/akun/masuk/",
    ):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert "'unsafe-inline'" not in script_src
        assert "'unsafe-eval'" not in script_src
        assert "frame-ancestors 'none'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=\"", html), url  # no inline event handlers
