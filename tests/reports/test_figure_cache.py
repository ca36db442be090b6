"""The figure cache (``kimtracker.figure_cache``): with a shared cache, the dashboard is served
from it, and after every kind of write the figures it shows are the fresh ones, never stale.

These tests use real transactions (``transactional_db``): the cache is retired when a write
commits, which the rolled-back transaction of an ordinary test never does. They run on Redis
when it answers on 127.0.0.1:6379 (as on CI and in production), else on a memory cache.
"""

import datetime
import io
import json
import os
import socket

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kimtracker import figure_cache
from reports import coverage
from villages import services
from villages.models import KIM, Desa, Kecamatan

from ..conftest import user_with_role
from ..pages import number, text_of

# A Redis database of each pytest-xdist worker's own: emptying the cache of one test must not
# empty it under a test of another worker.
_WORKER = int("".join(filter(str.isdigit, os.environ.get("PYTEST_XDIST_WORKER", ""))) or 0)
REDIS_URL = f"redis://127.0.0.1:6379/{15 - _WORKER % 8}"
CARDS = ("kim-formed", "kim-active", "desa-covered", "kecamatan-without", "needing-check")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def shared_cache(settings):
    """The ``figures`` cache as a deployment has it (Redis), emptied before and after."""
    if _redis_answers():
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    settings.CACHES = {**settings.CACHES, figure_cache.CACHE_ALIAS: backend}
    cache = caches[figure_cache.CACHE_ALIAS]
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def world(transactional_db, demo):
    """Kabupaten Malang with its demo history, and a Petugas and a Manajer, committed."""
    return {
        "petugas": user_with_role("petugas-cache", "Petugas"),
        "manajer": user_with_role("manajer-cache", "Manajer"),
    }


def shown(client, tanggal: str | None = None) -> dict[str, int]:
    """The dashboard's cards as a user reads them."""
    response = client.get(reverse("dashboard"), {"tanggal": tanggal} if tanggal else {})
    assert response.status_code == 200
    html = response.content.decode()
    cards = {card: number(text_of(html, f'data-card="{card}"')) for card in CARDS}
    target = text_of(html, 'data-card="target"')
    cards["target"] = number(target) if any(c.isdigit() for c in target) else None
    return cards


def fresh(on: datetime.date) -> dict[str, int]:
    """The same figures computed straight from the database, bypassing the cache."""
    summary = coverage._summary(on)
    needing = coverage._kim_needing_check_first(on)
    return {
        "kim-formed": summary.kim_formed,
        "kim-active": summary.kim_active,
        "desa-covered": summary.desa_covered,
        "kecamatan-without": summary.kecamatan_without_active_kim,
        "needing-check": needing[0].total if needing else 0,
        "target": summary.target.kim_count if summary.target else None,
    }


def test_dashboard_is_served_from_the_cache(client, world, shared_cache):
    client.force_login(world["petugas"])
    with CaptureQueriesContext(transaction.get_connection()) as first:
        shown(client)
    with CaptureQueriesContext(transaction.get_connection()) as second:
        shown(client)
    # The figures' queries (coverage, timeline, targets) are gone: what remains is the session,
    # the user and the demo notice.
    figure_tables = ('"villages_desa"', '"villages_kimstatuschange"', '"reports_target"')
    assert any(t in q["sql"] for q in first.captured_queries for t in figure_tables)
    assert not any(t in q["sql"] for q in second.captured_queries for t in figure_tables)
    assert len(second.captured_queries) < len(first.captured_queries)


def test_figures_are_never_stale_after_a_write(client, world, shared_cache):
    """Every way the office changes the data, each followed by the dashboard of today and of a
    past date (both read first, so both are cached): the cards always equal fresh figures."""
    today = timezone.localdate()
    past = today - datetime.timedelta(days=400)
    client.force_login(world["petugas"])
    manager = world["manajer"]
    desa = Desa.objects.get(code="35.07.08.2001")

    def check():
        for on, tanggal in ((today, None), (past, past.isoformat())):
            assert shown(client, tanggal) == fresh(on)

    check()
    before = shown(client)

    # A registration through the form, dated before the past date: both dates change.
    response = client.post(
        reverse("villages:kim_create"),
        {
            "kecamatan": "35.07.08",
            "desa": desa.code,
            "name": "KIM Cache Segar",
            "formed_on": (past - datetime.timedelta(days=30)).isoformat(),
            "member_count": "10",
            "confirm_second": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    kim = KIM.objects.get(name="KIM Cache Segar")
    assert shown(client)["kim-formed"] == before["kim-formed"] + 1
    check()

    # A back-dated deactivation: changes the past date's figures as well as today's.
    services.record_status_change(
        kim=kim,
        effective_on=past - datetime.timedelta(days=10),
        is_active=False,
        note="Tidak aktif lagi",
        by=world["petugas"],
    )
    check()

    # An activity of another KIM (it no longer needs checking).
    other = KIM.objects.filter(is_active=True).exclude(pk=kim.pk).order_by("pk").first()
    services.record_activity(
        kim=other,
        occurred_on=today,
        kind="diskusi",
        description="Rapat rutin",
        by=world["petugas"],
    )
    check()

    # A void and a target.
    services.void_kim(kim=kim, reason="Salah input", by=manager)
    check()
    from reports import services as report_services

    report_services.set_target(year=today.year, kim_count=9999, by=manager)
    assert shown(client)["target"] == 9999
    check()

    # A delete (the superuser's admin action) of a KIM's whole record.
    KIM.objects.filter(pk=other.pk).delete()
    check()
    assert shown(client) != before


def test_a_figure_computed_before_a_write_is_never_read_after_it(world, shared_cache):
    """The race: a request computes the figures, a write commits meanwhile, and the request
    stores what it computed. The next read must not get the old figures."""
    today = timezone.localdate()
    desa = Desa.objects.get(code="35.07.08.2001")

    def compute_while_a_write_commits():
        figures = coverage._summary(today)
        services.register_kim(
            desa=desa, name="KIM Balapan", formed_on=today, member_count=5, by=world["petugas"]
        )
        return figures

    stale = figure_cache.cached("summary", compute_while_a_write_commits, today)
    assert coverage.summary(today).kim_formed == stale.kim_formed + 1


def test_a_write_retires_the_figures_only_when_it_commits(world, shared_cache):
    start = figure_cache.generation()
    with transaction.atomic():
        Kecamatan.objects.filter(code="35.07.08").first().save()
        # Not yet committed: another request must still use (and may refill) the old figures.
        assert figure_cache.generation() == start
    assert figure_cache.generation() != start


def test_a_lost_generation_never_comes_back_to_an_old_number(world, shared_cache):
    first = figure_cache.generation()
    shared_cache.delete(figure_cache.GENERATION_KEY)  # evicted, or Redis restarted
    assert figure_cache.generation() != first


@pytest.mark.parametrize("writer", ["load_wilayah", "import_boundaries", "import_activities"])
def test_bulk_writers_retire_the_figures(world, shared_cache, tmp_path, settings, writer):
    """Writers that bypass ``save()`` (bulk inserts and updates) retire the figures too."""
    start = figure_cache.generation()
    if writer == "load_wilayah":
        source = tmp_path / "wilayah"
        source.mkdir()
        for name in ("provinces", "regencies", "districts", "villages"):
            original = (settings.WILAYAH_FIXTURE_DIR / f"{name}.csv").read_text(encoding="utf-8")
            if name == "districts":
                original = original.replace(",Wajak\n", ",Wajak Baru\n")
            (source / f"{name}.csv").write_text(original, encoding="utf-8")
        call_command("load_wilayah", source=str(source), stdout=io.StringIO())
    elif writer == "import_boundaries":
        ring = [[112.7, -8.1], [112.8, -8.1], [112.8, -8.0], [112.7, -8.0], [112.7, -8.1]]
        feature = {
            "type": "Feature",
            "properties": {"kode": "35.07.08", "nama": "Wajak"},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        path = tmp_path / "kecamatan.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
        call_command("import_boundaries", str(path), level="kecamatan", stdout=io.StringIO())
    else:
        kim = KIM.objects.filter(is_active=True).order_by("pk").first()
        services.record_activities(
            kim=kim,
            activities=[
                {"occurred_on": timezone.localdate(), "kind": "diskusi", "description": "Impor"}
            ],
            by=world["petugas"],
        )
    assert figure_cache.generation() != start
