"""The read API /api/v1/ (issue 17, point 5): each endpoint with tokens of users of different
wilayah (Kabupaten Malang 35.07, Kota Batu 35.79, one kecamatan, none), every figure equal to
the dashboard's for the same wilayah and date, personal data only for roles that may see it,
pagination, throttling, 401s, and an OpenAPI document that validates."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from api import services
from api.models import PersonalAccessToken
from kimtracker.roles import MANAJER, PETUGAS, STAF
from reports import monthly, publishing
from villages import services as registry
from villages.models import KIM, Desa

from ..conftest import user_with_role
from ..factories import kota_batu

D = datetime.date
JUNE_END = "2023-06-30"

# The figures the API and the dashboard share (``coverage.Summary`` attributes).
FIGURES = (
    "kim_formed",
    "kim_active",
    "kim_mandiri",
    "desa_total",
    "desa_covered",
    "coverage_percent",
    "kecamatan_total",
    "kecamatan_without_active_kim",
    "active_by_level",
)


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class Caller:
    """A user with a token, and a test client sending it."""

    def __init__(self, username: str, role: str, wilayah: tuple[str, ...]):
        self.user = user_with_role(username, role, wilayah)
        self.row, self.token = services.create_token(user=self.user, name="tes")
        self.client = Client()

    def get(self, path: str, params=None):
        return self.client.get(f"/api/v1/{path}", params or {}, **bearer(self.token))

    def json(self, path: str, params=None, status=200):
        response = self.get(path, params)
        assert response.status_code == status, response.content
        return response.json()


@pytest.fixture
def batu_kim(demo):
    """Kota Batu beside the demo's Kabupaten Malang, with one KIM and its officers."""
    kota_batu()
    return registry.register_kim(
        desa=Desa.objects.get(code="35.79.03.1001"),
        name="KIM Dadaprejo",
        formed_on=D(2023, 1, 10),
        chair_name="Siti Rahayu",
        chair_phone="081234567890",
        by=None,
    )


@pytest.fixture
def callers(batu_kim):
    return {
        "kabupaten": Caller("kab", STAF, ("35.07",)),
        "batu": Caller("batu", PETUGAS, ("35.79",)),
        "kecamatan": Caller("kec", MANAJER, ("35.07.08",)),
        "none": Caller("tanpa", STAF, ()),
        "country": Caller("negeri", MANAJER, ("",)),
    }


def dashboard_summary(user, code: str, on: str = JUNE_END):
    """The dashboard's ``summary`` of ``code`` on ``on``, read by ``user`` signed in."""
    client = Client()
    client.force_login(user)
    response = client.get("/", {"wilayah": code, "tanggal": on})
    assert response.status_code == 200
    return response.context["summary"]


def api_figures(data: dict) -> dict:
    return {name: data[name] for name in FIGURES}


def summary_figures(summary) -> dict:
    return {name: getattr(summary, name) for name in FIGURES}


# Authentication -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["wilayah/", "coverage/", "kim/", "target/", "laporan/2023-06/"])
def test_without_a_usable_token_every_endpoint_answers_401(callers, client, path):
    caller = callers["kabupaten"]
    kim = KIM.objects.first()
    paths = [path, f"kim/{kim.pk}/", f"kim/{kim.pk}/kegiatan/"]
    for p in paths:
        url = f"/api/v1/{p}"
        assert client.get(url).status_code == 401
        assert client.get(url, HTTP_AUTHORIZATION=f"Token {caller.token}").status_code == 401
        assert client.get(url, **bearer("kim_tidak-ada")).status_code == 401
        assert client.get(url, **bearer(caller.token[:-1])).status_code == 401
        # A session is no token: the API does not read the signed-in user.
        client.force_login(caller.user)
        response = client.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in response.json()["detail"]
        client.logout()


def test_a_revoked_token_and_an_inactive_users_token_answer_401(callers):
    caller = callers["kabupaten"]
    assert caller.get("wilayah/").status_code == 200
    services.revoke_token(user=caller.user, pk=caller.row.pk)
    assert caller.get("wilayah/").status_code == 401

    other = callers["batu"]
    assert other.get("wilayah/").status_code == 200
    other.user.is_active = False
    other.user.save()
    assert other.get("wilayah/").status_code == 401


def test_the_token_is_stored_as_its_sha256_with_a_short_prefix(callers):
    caller = callers["kabupaten"]
    row = PersonalAccessToken.objects.get(pk=caller.row.pk)
    import hashlib

    assert row.key_hash == hashlib.sha256(caller.token.encode()).hexdigest()
    assert caller.token.startswith(row.prefix)
    assert len(row.prefix) == 12
    assert caller.token not in json.dumps(
        list(PersonalAccessToken.objects.values_list("name", "prefix", "key_hash"))
    )


def test_a_use_is_recorded(callers):
    caller = callers["kabupaten"]
    assert PersonalAccessToken.objects.get(pk=caller.row.pk).last_used_at is None
    caller.get("wilayah/")
    assert PersonalAccessToken.objects.get(pk=caller.row.pk).last_used_at is not None


# Wilayah tree -------------------------------------------------------------------------------


def codes(page: dict) -> list[str]:
    return [item["code"] for item in page["items"]]


def test_the_wilayah_tree_holds_only_the_tokens_wilayah(callers):
    kab, batu, kec, none = (callers[k] for k in ("kabupaten", "batu", "kecamatan", "none"))
    assert codes(kab.json("wilayah/")) == ["35"]
    assert codes(kab.json("wilayah/", {"parent": "35"})) == ["35.07"]
    assert codes(batu.json("wilayah/", {"parent": "35"})) == ["35.79"]
    assert codes(batu.json("wilayah/", {"parent": "35.79"})) == ["35.79.03"]
    assert codes(batu.json("wilayah/", {"parent": "35.79.03"})) == ["35.79.03.1001"]
    malang = kab.json("wilayah/", {"parent": "35.07", "page_size": 100})
    assert malang["count"] == 33
    assert {item["level"] for item in malang["items"]} == {"kecamatan"}
    assert {item["parent"] for item in malang["items"]} == {"35.07"}
    # A kecamatan's user sees the kabupaten and provinsi above it, and only their kecamatan.
    assert codes(kec.json("wilayah/", {"parent": "35"})) == ["35.07"]
    assert codes(kec.json("wilayah/", {"parent": "35.07"})) == ["35.07.08"]
    # Outside: refused with the reason; unknown: 404.
    refused = kab.json("wilayah/", {"parent": "35.79"}, status=403)
    assert "35.79" in refused["detail"]
    assert "35.07.01" in codes(kab.json("wilayah/", {"parent": "35.07", "page_size": 5}))
    kec.json("wilayah/", {"parent": "35.07.01"}, status=403)
    kab.json("wilayah/", {"parent": "99.99"}, status=404)
    # No wilayah: nothing, as on the pages.
    assert "wilayah" in none.json("wilayah/", status=403)["detail"]


# Coverage figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code"),
    [("kabupaten", "35.07"), ("batu", "35.79"), ("kecamatan", "35.07.08"), ("country", "35")],
)
def test_coverage_equals_the_dashboard_of_the_same_wilayah_and_date(callers, who, code):
    caller = callers[who]
    summary = dashboard_summary(caller.user, code)
    asked = caller.json("coverage/", {"wilayah": code, "tanggal": JUNE_END})
    assert asked["tanggal"] == JUNE_END
    assert api_figures(asked) == summary_figures(summary)
    assert asked["kecamatan"] == [
        {
            "code": k.code,
            "name": k.name,
            "desa_total": k.desa_total,
            "desa_covered": k.desa_covered,
            "coverage_percent": k.coverage_percent,
            "kim_formed": k.kim_formed,
            "kim_active": k.kim_active,
            "active_by_level": k.active_by_level,
        }
        for k in summary.kecamatan
    ]
    if who != "country":
        # Without ?wilayah=: the token's one wilayah, the same figures.
        assert api_figures(caller.json("coverage/", {"tanggal": JUNE_END})) == api_figures(asked)


def test_coverage_has_the_published_figures_of_june_2023(callers):
    """The demo reproduces 215 KIM, all active, by 25 June 2023 in Kabupaten Malang."""
    data = callers["kabupaten"].json("coverage/", {"tanggal": "2023-06-25"})
    assert data["kim_formed"] == data["kim_active"] == 215
    assert data["kim_mandiri"] == 1
    assert data["desa_total"] == 390
    assert data["kecamatan_total"] == 33
    assert data["kecamatan_without_active_kim"] == 3


def test_coverage_of_several_wilayah_adds_them_up_as_the_dashboard(callers):
    both = Caller("dua", STAF, ("35.07", "35.79"))
    summary = dashboard_summary(both.user, "")
    data = both.json("coverage/", {"tanggal": JUNE_END})
    assert api_figures(data) == summary_figures(summary)
    malang, batu = (
        callers[k].json("coverage/", {"tanggal": JUNE_END}) for k in ("kabupaten", "batu")
    )
    assert data["kim_formed"] == malang["kim_formed"] + batu["kim_formed"]
    assert data["desa_total"] == malang["desa_total"] + batu["desa_total"]
    assert [k["code"] for k in data["kecamatan"]] == [
        k["code"] for k in malang["kecamatan"] + batu["kecamatan"]
    ]
    # The monthly report of several wilayah: which one?
    manager = Caller("duamanajer", MANAJER, ("35.07", "35.79"))
    assert "35.79" in manager.json("laporan/2023-06/", status=400)["detail"]


def test_coverage_of_everything_keeps_the_target(callers):
    summary = dashboard_summary(callers["country"].user, "", on="2023-12-31")
    data = callers["country"].json("coverage/", {"tanggal": "2023-12-31"})
    assert api_figures(data) == summary_figures(summary)
    assert data["target"] == (
        {
            "year": summary.target.year,
            "kim_count": summary.target.kim_count,
            "missing": summary.target_missing,
        }
        if summary.target
        else None
    )


def test_coverage_outside_the_scope_unknown_or_a_bad_date_is_refused(callers):
    kab, kec, none = callers["kabupaten"], callers["kecamatan"], callers["none"]
    assert "35.79" in kab.json("coverage/", {"wilayah": "35.79"}, status=403)["detail"]
    kec.json("coverage/", {"wilayah": "35.07"}, status=403)
    kec.json("coverage/", {"wilayah": "35.07.07"}, status=403)
    kab.json("coverage/", {"wilayah": "35.07.99"}, status=404)
    kab.json("coverage/", {"tanggal": "2023-13-01"}, status=400)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    kab.json("coverage/", {"tanggal": tomorrow.isoformat()}, status=400)
    # No wilayah: no figures of anybody's.
    none.json("coverage/", {"tanggal": JUNE_END}, status=403)


def test_a_user_without_a_role_reads_nothing(batu_kim):
    caller = Caller.__new__(Caller)
    from ..factories import UserFactory

    caller.user = UserFactory(username="tanpaperan")
    caller.user.wilayah_scope.create(code="")
    caller.row, caller.token = services.create_token(user=caller.user, name="tes")
    caller.client = Client()
    for path in ("wilayah/", "coverage/", "kim/", "target/", "laporan/2023-06/"):
        assert caller.get(path).status_code == 403, path


# KIM ----------------------------------------------------------------------------------------


def test_kim_lists_only_the_tokens_wilayah(callers, batu_kim):
    kab, batu, kec, none = (callers[k] for k in ("kabupaten", "batu", "kecamatan", "none"))
    malang = kab.json("kim/", {"page_size": 500})
    assert malang["count"] == KIM.objects.counted().filter(desa__code__startswith="35.07.").count()
    assert all(item["desa_code"].startswith("35.07.") for item in malang["items"])
    assert [item["id"] for item in batu.json("kim/")["items"]] == [batu_kim.pk]
    poncokusumo = kec.json("kim/", {"page_size": 500})
    assert poncokusumo["count"] > 0
    assert {item["kecamatan_code"] for item in poncokusumo["items"]} == {"35.07.08"}
    none.json("kim/", status=403)
    kab.json("kim/", {"wilayah": "35.79"}, status=403)


def test_kim_active_on_a_date_add_up_to_the_dashboards_figures(callers):
    kab = callers["kabupaten"]
    summary = dashboard_summary(kab.user, "35.07")
    params = {"tanggal": JUNE_END, "page_size": 1}
    assert kab.json("kim/", params)["count"] == summary.kim_formed
    assert kab.json("kim/", {**params, "aktif": "true"})["count"] == summary.kim_active
    assert (
        kab.json("kim/", {**params, "aktif": "false"})["count"]
        == summary.kim_formed - summary.kim_active
    )
    poncokusumo = dashboard_summary(kab.user, "35.07.08")
    in_kecamatan = kab.json("kim/", {**params, "wilayah": "35.07.08", "aktif": "true"})
    assert in_kecamatan["count"] == poncokusumo.kim_active


def test_kim_pages(callers):
    kab = callers["kabupaten"]
    everything = kab.json("kim/", {"page_size": 500})
    first = kab.json("kim/", {"page_size": 7})
    second = kab.json("kim/", {"page_size": 7, "page": 2})
    assert first["count"] == second["count"] == everything["count"]
    assert len(first["items"]) == len(second["items"]) == 7
    assert [i["id"] for i in first["items"] + second["items"]] == [
        i["id"] for i in everything["items"][:14]
    ]
    # The default page holds 50.
    assert len(kab.json("kim/")["items"]) == 50


def test_personal_data_only_for_a_role_that_may_see_it(callers, batu_kim):
    staf_batu = Caller("stafbatu", STAF, ("35.79",))
    petugas = callers["batu"]
    seen = petugas.json(f"kim/{batu_kim.pk}/")
    assert seen["officers"]["chair_name"] == "Siti Rahayu"
    assert seen["officers"]["chair_phone"] == batu_kim.chair_phone
    assert petugas.json("kim/")["items"][0]["officers"]["chair_name"] == "Siti Rahayu"
    for data in (staf_batu.json(f"kim/{batu_kim.pk}/"), staf_batu.json("kim/")["items"][0]):
        assert data["officers"] is None
        assert "Siti Rahayu" not in json.dumps(data)
        assert batu_kim.chair_phone not in json.dumps(data)


def test_a_kim_and_its_activities(callers, batu_kim):
    batu, kab = callers["batu"], callers["kabupaten"]
    registry.record_activity(
        kim=batu_kim,
        occurred_on=D(2023, 2, 1),
        kind="diskusi",
        description="Diskusi warga",
        by=None,
    )
    registry.record_activity(
        kim=batu_kim,
        occurred_on=D(2023, 3, 1),
        kind="jejaring",
        description="Temu KIM se-kota",
        by=None,
    )
    data = batu.json(f"kim/{batu_kim.pk}/", {"tanggal": "2023-06-30"})
    assert data["name"] == "KIM Dadaprejo"
    assert data["desa_code"] == "35.79.03.1001"
    assert data["active"] is True
    # Before its formation it did not exist yet.
    batu.json(f"kim/{batu_kim.pk}/", {"tanggal": "2022-12-31"}, status=404)
    activities = batu.json(f"kim/{batu_kim.pk}/kegiatan/")
    assert activities["count"] == 2
    assert [a["description"] for a in activities["items"]] == ["Temu KIM se-kota", "Diskusi warga"]
    assert activities["items"][1]["kind_label"] == "Diskusi"
    assert batu.json(f"kim/{batu_kim.pk}/kegiatan/", {"page_size": 1})["items"][0]["kind"] == (
        "jejaring"
    )
    # Another kabupaten's user: as if it did not exist.
    assert "tidak ada" in kab.json(f"kim/{batu_kim.pk}/", status=404)["detail"]
    kab.json(f"kim/{batu_kim.pk}/kegiatan/", status=404)


# Targets ------------------------------------------------------------------------------------


def test_targets(callers):
    from reports.models import Target

    data = callers["kabupaten"].json("target/")
    assert [(t["year"], t["kim_count"]) for t in data] == sorted(
        Target.objects.values_list("year", "kim_count")
    )
    assert data
    callers["none"].json("target/", status=403)


# Monthly report -----------------------------------------------------------------------------


def test_the_monthly_report_equals_the_report_and_the_dashboard(callers):
    kec, country = callers["kecamatan"], callers["country"]
    data = country.json("laporan/2023-06/", {"wilayah": "35.07"})
    expected = publishing.snapshot(
        monthly.build(monthly.parse_month("2023-06"), monthly.resolve_wilayah("35.07"))
    )
    assert data == json.loads(json.dumps(expected))
    summary = dashboard_summary(country.user, "35.07")
    assert data["figures"]["kim_formed"]["value"] == summary.kim_formed
    assert data["figures"]["kim_active"]["value"] == summary.kim_active
    # A kecamatan's manager: their kecamatan by default, nothing else.
    own = kec.json("laporan/2023-06/")
    assert own["wilayah"]["code"] == "35.07.08"
    poncokusumo = dashboard_summary(kec.user, "35.07.08")
    assert own["figures"]["kim_active"]["value"] == poncokusumo.kim_active
    kec.json("laporan/2023-06/", {"wilayah": "35.07"}, status=403)


def test_the_monthly_report_refusals(callers):
    country = callers["country"]
    # Two kabupaten in the database: which one?
    assert "wilayah" in country.json("laporan/2023-06/", status=400)["detail"]
    country.json("laporan/2023-6/", {"wilayah": "35.07"}, status=400)
    country.json("laporan/1999-01/", {"wilayah": "35.07"}, status=400)
    # Reports are for managers.
    callers["kabupaten"].json("laporan/2023-06/", status=403)
    callers["batu"].json("laporan/2023-06/", status=403)


# Throttling ---------------------------------------------------------------------------------


def test_each_token_is_throttled(callers, settings):
    settings.KIM_API_RATE = "3/min"
    kab, batu = callers["kabupaten"], callers["batu"]
    assert [kab.get("target/").status_code for _ in range(3)] == [200, 200, 200]
    refused = kab.get("target/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Another token is counted on its own.
    assert batu.get("target/").status_code == 200


# OpenAPI ------------------------------------------------------------------------------------


def test_the_openapi_document_validates(callers, client):
    client.force_login(callers["kabupaten"].user)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert set(document["paths"]) == {
        "/api/v1/wilayah/",
        "/api/v1/coverage/",
        "/api/v1/perbandingan/",
        "/api/v1/kim/",
        "/api/v1/kim/{pk}/",
        "/api/v1/kim/{pk}/kegiatan/",
        "/api/v1/target/",
        "/api/v1/laporan/{month}/",
    }
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_documentation_page_uses_only_our_own_files(callers, client):
    client.force_login(callers["kabupaten"].user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # Swagger UI from django-ninja's own copy, served with ours; its settings as JSON data.
    scripts = re.findall(r"<script\b([^>]*)>", html)
    swagger = [s for s in scripts if "swagger-ui" in s]
    assert len(swagger) == 2
    assert all('src="/static/ninja/' in s for s in swagger)
    # No inline script (only JSON data) and no style attribute: the CSP would refuse them.
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)
    assert " style=" not in html
    assert 'href="/static/ninja/swagger-ui.css"' in html
    assert "/api/v1/openapi.json" in html
    assert client.get("/api/v1/").url == "/api/docs/"


# Queries ------------------------------------------------------------------------------------


def test_a_page_of_kim_costs_the_same_queries_whatever_its_size(callers, django_assert_num_queries):
    """The token (1), the use recorded (1, at most once a minute), the user's permissions (2)
    and wilayah (1), the count and the page (2): none per KIM."""
    kab = callers["kabupaten"]
    PersonalAccessToken.objects.filter(pk=kab.row.pk).update(last_used_at=None)
    with django_assert_num_queries(7):
        assert len(kab.json("kim/", {"page_size": 5})["items"]) == 5
    PersonalAccessToken.objects.filter(pk=kab.row.pk).update(last_used_at=None)
    with django_assert_num_queries(7):
        assert len(kab.json("kim/", {"page_size": 200})["items"]) == 200


# Wilayah side by side ------------------------------------------------------------------------


def comparison_page_rows(user, code: str, on: str = JUNE_END) -> list:
    """The comparison page's rows of ``code`` on ``on``, read by ``user`` signed in."""
    client = Client()
    client.force_login(user)
    response = client.get("/laporan/perbandingan/", {"wilayah": code, "tanggal": on})
    assert response.status_code == 200
    return [*response.context["table"]["rows"], response.context["comparison"].total]


def test_comparison_equals_the_page_row_by_row(callers):
    caller = callers["country"]
    data = caller.json("perbandingan/", {"wilayah": "35", "tanggal": JUNE_END})
    assert (data["wilayah"], data["level"]) == ("35", "kabupaten")
    page = comparison_page_rows(caller.user, "35")
    for got, row in zip([*data["areas"], data["total"]], page, strict=True):
        assert got["code"] == row.code
        assert got["kim_formed"] == row.kim_formed
        assert got["kim_active"] == row.kim_active
        assert got["desa_covered"] == row.desa_covered
        assert got["coverage_percent"] == row.coverage_percent
        assert got["kim_needing_check"] == row.kim_needing_check
        assert (got["target"] or {}).get("kim_count") == row.target
        assert (got["target"] or {}).get("percent") == row.target_percent
    malang = data["areas"][0]
    assert (malang["code"], malang["kim_formed"], malang["target"]["kim_count"]) == (
        "35.07",
        215,
        240,
    )


def test_comparison_stays_within_the_token_scope(callers):
    batu = callers["batu"]
    data = batu.json("perbandingan/", {"tanggal": JUNE_END})
    assert data["level"] == "kecamatan"
    assert [row["code"] for row in data["areas"]] == ["35.79.03"]
    assert "35.07" not in json.dumps(data)
    refused = batu.json("perbandingan/", {"wilayah": "35"}, status=403)
    assert "35.07" not in json.dumps(refused)
    callers["none"].json("perbandingan/", status=403)
    callers["kabupaten"].json("perbandingan/", {"tanggal": "kemarin"}, status=400)
