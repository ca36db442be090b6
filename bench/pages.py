"""Server-side timing of KIM Tracker's pages at three data scales.

Usage (from the repository root)::

    .venv/bin/python bench/pages.py [--scale malang|jatim|national] [--database-url URL]
                                    [--runs 20] [--max-seconds 120] [--only TEXT]
                                    [--output FILE] [--json FILE] [--explain FILE]
                                    [--reuse] [--drop] [--wilayah-source DIR]

What a run does:

1. Creates a fresh database (default ``postgres://postgres@127.0.0.1:5432/kimtracker_bench_<scale>``,
   dropped and recreated; an ``sqlite:///`` URL deletes and recreates the file), sets
   ``DATABASE_URL`` and ``DJANGO_SETTINGS_MODULE=kimtracker.settings.local``, and migrates.
2. Loads the data of the scale:

   - ``malang``: the bundled Kabupaten Malang fixture (33 kecamatan, 390 desa) and ``load_demo``
     (250 demo KIM);
   - ``jatim``: ``load_wilayah --province 35`` from the ``idn-area-data`` package (about 8,500
     desa) and Malang's demo;
   - ``national``: ``load_wilayah --all`` (about 83,700 desa, 7,200 kecamatan), Malang's demo, and
     a deterministic synthetic history (``random.Random(SYNTHETIC_SEED)``) over every other desa:
     80,000 KIM (``--synthetic-kim``) formed between 2015 and 2025 over desa drawn with
     replacement (so some desa have two or three), about 55% of them deactivated later
     (a few revive), about a quarter are promoted to Berkembang and a few of those to
     Berdaya/Mandiri. Rows are written with ``bulk_create`` in batches, bench only: real data
     goes through ``villages.services``. Every synthetic KIM is flagged ``is_demo``.

   The package is read from ``--wilayah-source`` (its ``package/data`` folder) or fetched once
   with ``npm pack idn-area-data@3.1.2`` into a cache under the system temp folder. On PostgreSQL
   the tables are then ``VACUUM ANALYZE``d, as autovacuum would do on a live database.
3. Logs a superuser in with ``django.test.Client.force_login``, requests each page once to warm
   caches (reported as "first ms"), then ``--runs`` times, recording per page: median and p95
   (nearest rank) of the server time (``time.perf_counter`` around ``client.get``), the median
   time spent in SQL (an execute wrapper), the median CPU time of the Django process
   (``time.process_time``: other load on the machine does not inflate it), the number of
   queries (``CaptureQueriesContext``) and the response size. A page stops early after
   ``--max-seconds`` once it has three runs, so the slow exports do not hold the run for long;
   ``--only`` picks pages by label.
4. Prints a Markdown table (``--output FILE`` writes it too; ``--json FILE`` the raw figures;
   ``--explain FILE`` the EXPLAIN ANALYZE plan of each page's slowest query, PostgreSQL only).

``--reuse`` skips steps 1 and 2 and measures the database as it is (to compare a code change on
the same data); ``--drop`` drops the database (or deletes the SQLite file) at the end.
The figures are those of the test client in one process: no web server, no network, one
persistent database connection; with ``kimtracker.settings.local`` (``DEBUG`` on, as there),
the application loaded as gunicorn loads it (``kimtracker.wsgi``).
"""

import argparse
import datetime
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALES = ("malang", "jatim", "national")
PACKAGE = "idn-area-data@3.1.2"
MALANG = "35.07"
# The same kecamatan, desa and KIM are measured at every scale: Poncokusumo and Gubugklakah,
# whose demo KIM has the longest timeline and history.
KECAMATAN_CODE = "35.07.07"
DESA_CODE = "35.07.07.2016"
PAST_DATE = "2023-06-25"

SYNTHETIC_SEED = 20260101
SYNTHETIC_NOTE = "Data sintetis benchmark, bukan data resmi."
BATCH_SIZE = 5000
# Synthetic KIM at national scale (on top of Malang's 250 demo KIM).
SYNTHETIC_KIM = 80_000
# Vertices of each synthetic kecamatan boundary at national scale.
BOUNDARY_VERTICES = 64
DEACTIVATED_SHARE = 0.55
REVIVED_SHARE = 0.08
PROMOTED_SHARE = 0.25
MANDIRI_SHARE = 0.10
FIRST_FORMED = datetime.date(2015, 1, 1)
LAST_FORMED = datetime.date(2025, 12, 31)
LAST_EVENT = datetime.date(2026, 6, 30)
# Relative number of KIM formed in each year from 2015: formation accelerates, then levels off.
YEAR_WEIGHTS = [1, 1, 2, 3, 4, 5, 6, 7, 8, 8, 7]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="malang")
    parser.add_argument(
        "--database-url",
        help="default postgres://postgres@127.0.0.1:5432/kimtracker_bench_<scale>",
    )
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=120.0,
        help="stop timing a page after this many seconds once it has 3 runs",
    )
    parser.add_argument("--output", type=Path, help="also write the Markdown table here")
    parser.add_argument("--json", type=Path, help="write the raw figures here as JSON")
    parser.add_argument(
        "--explain", type=Path, help="write EXPLAIN ANALYZE of each page's slowest query here"
    )
    parser.add_argument(
        "--wilayah-source", type=Path, help="the package/data folder of idn-area-data"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the existing database; no reset, no load"
    )
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--synthetic-kim",
        type=int,
        default=SYNTHETIC_KIM,
        help="synthetic KIM at national scale (default %(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        help="measure with the figure cache on this Redis (e.g. redis://127.0.0.1:6379/5): "
        "the warm-up request fills it, the timed runs are cache hits",
    )
    parser.add_argument(
        "--load-only", action="store_true", help="create and load the database, measure nothing"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="measure only the pages whose label contains TEXT (repeatable)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        metavar="TEXT",
        help="leave out the pages whose label contains TEXT (repeatable)",
    )
    args = parser.parse_args(argv)
    args.database_url = (
        args.database_url or f"postgres://postgres@127.0.0.1:5432/kimtracker_bench_{args.scale}"
    )
    return args


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- database --------------------------------------------------------------------------------


def _server_connection(config: dict):
    """A psycopg2 connection to the server's ``postgres`` database, for CREATE/DROP DATABASE."""
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connection.autocommit = True
    return connection


def reset_database(config: dict, *, create: bool = True) -> None:
    """Drop the bench database (PostgreSQL) or delete its file (SQLite); create it again."""
    if "sqlite" in config["ENGINE"]:
        path = Path(config["NAME"])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"unsupported database engine {config['ENGINE']}")
    from psycopg2 import sql

    name = sql.Identifier(config["NAME"])
    connection = _server_connection(config)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            if create:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        connection.close()


# --- data ------------------------------------------------------------------------------------


def wilayah_source(given: Path | None) -> Path:
    """The ``data`` folder of idn-area-data: the one given, else a cached ``npm pack``."""
    if given:
        return given
    cache = Path(tempfile.gettempdir()) / "kimtracker-bench" / PACKAGE.replace("@", "-")
    data = cache / "package" / "data"
    if not (data / "villages.csv").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        log(f"fetching {PACKAGE} with npm pack into {cache}")
        if not shutil.which("npm"):
            raise SystemExit("npm is needed to fetch idn-area-data; or give --wilayah-source")
        result = subprocess.run(
            ["npm", "pack", PACKAGE, "--silent"],
            cwd=cache,
            check=True,
            capture_output=True,
            text=True,
        )
        with tarfile.open(cache / result.stdout.strip().splitlines()[-1]) as archive:
            archive.extractall(cache, filter="data")
    return data


def load_data(scale: str, source: Path | None, synthetic_kim: int) -> dict[str, float]:
    """Load the wilayah and KIM of ``scale``; return the seconds each step took."""
    from django.core.management import call_command

    timings = {}

    def step(label, function, *args, **kwargs):
        log(f"{label} ...")
        started = time.perf_counter()
        function(*args, **kwargs)
        timings[label] = time.perf_counter() - started
        log(f"{label}: {timings[label]:.1f} s")

    if scale == "malang":
        step("load_wilayah", call_command, "load_wilayah", stdout=sys.stderr)
    else:
        scope = {"province": "35"} if scale == "jatim" else {"all": True}
        step(
            "load_wilayah",
            call_command,
            "load_wilayah",
            source=str(wilayah_source(source)),
            stdout=sys.stderr,
            **scope,
        )
    step("load_demo", call_command, "load_demo", stdout=sys.stderr)
    if scale == "national":
        step(
            "synthetic KIM",
            build_synthetic,
            exclude_prefix=f"{MALANG}.",
            kim_count=synthetic_kim,
        )
        step("synthetic boundaries", build_synthetic_boundaries)
        # The synthetic rows were bulk-inserted, past the services: derive the figures'
        # structure from their timelines, as after any bulk load.
        step("rebuild_figures", call_command, "rebuild_figures", stdout=sys.stderr)
    return timings


def _random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _formation_date(rng: random.Random) -> datetime.date:
    year = rng.choices(range(FIRST_FORMED.year, LAST_FORMED.year + 1), YEAR_WEIGHTS)[0]
    return _random_date(rng, datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def plan_timeline(rng: random.Random, last_event: datetime.date):
    """A formation date and the later status entries ``(date, level, is_active)`` of one
    synthetic KIM, in date order; plus its current level, active flag and inactive-since."""
    formed_on = _formation_date(rng)
    events = []
    level, active, inactive_since = "pemula", True, None
    deactivated_on = None
    if rng.random() < DEACTIVATED_SHARE and formed_on + datetime.timedelta(days=90) < last_event:
        deactivated_on = _random_date(rng, formed_on + datetime.timedelta(days=90), last_event)
    promote_until = deactivated_on or last_event
    if rng.random() < PROMOTED_SHARE and formed_on + datetime.timedelta(days=180) < promote_until:
        promoted_on = _random_date(rng, formed_on + datetime.timedelta(days=180), promote_until)
        events.append((promoted_on, "berkembang", None))
        level = "berkembang"
        if (
            rng.random() < MANDIRI_SHARE
            and promoted_on + datetime.timedelta(days=365) < promote_until
        ):
            mandiri_on = _random_date(
                rng, promoted_on + datetime.timedelta(days=365), promote_until
            )
            events.append((mandiri_on, "mandiri", None))
            level = "mandiri"
    if deactivated_on:
        events.append((deactivated_on, "", False))
        active, inactive_since = False, deactivated_on
        if (
            rng.random() < REVIVED_SHARE
            and deactivated_on + datetime.timedelta(days=60) < last_event
        ):
            revived_on = _random_date(rng, deactivated_on + datetime.timedelta(days=60), last_event)
            events.append((revived_on, "", True))
            active, inactive_since = True, None
    return formed_on, events, level, active, inactive_since


def synthetic_plan(rng: random.Random, desa_count: int, kim_count: int) -> list[int]:
    """How many synthetic KIM each of ``desa_count`` desa gets, ``kim_count`` in all: desa are
    drawn with replacement, so most get none or one and some get a second or third KIM (as when
    a KIM dies and the desa forms a new one)."""
    per_desa = [0] * desa_count
    for index in rng.choices(range(desa_count), k=kim_count):
        per_desa[index] += 1
    return per_desa


def build_synthetic(*, exclude_prefix: str, kim_count: int = SYNTHETIC_KIM) -> None:
    """``kim_count`` synthetic KIM and their timelines over every desa outside
    ``exclude_prefix`` (Malang keeps its demo), with bulk_create in batches. Deterministic for a
    given seed, count and wilayah."""
    from django.db import transaction
    from django.utils import timezone

    from villages.models import KIM, Desa, KIMStatusChange

    rng = random.Random(SYNTHETIC_SEED)
    last_event = min(LAST_EVENT, timezone.localdate())
    desa_rows = list(
        Desa.objects.exclude(code__startswith=exclude_prefix)
        .order_by("code")
        .values_list("id", "code", "name")
    )
    per_desa = synthetic_plan(rng, len(desa_rows), kim_count)
    kim_total = change_total = 0
    with transaction.atomic():
        for start in range(0, len(desa_rows), BATCH_SIZE):
            kims, timelines = [], []
            batch = zip(desa_rows[start : start + BATCH_SIZE], per_desa[start:], strict=False)
            for (desa_id, code, name), count in batch:
                for number in range(1, count + 1):
                    formed_on, events, level, active, inactive_since = plan_timeline(
                        rng, last_event
                    )
                    suffix = f" {number}" if number > 1 else ""
                    kims.append(
                        KIM(
                            desa_id=desa_id,
                            name=f"KIM {name}{suffix}",
                            formed_on=formed_on,
                            level=level,
                            is_active=active,
                            inactive_since=inactive_since,
                            member_count=rng.randint(5, 25),
                            sk_number=f"SINTETIS/{formed_on.year}/{code}/{number}",
                            sk_date=formed_on,
                            sk_issuer=f"Kepala Desa {name}",
                            is_demo=True,
                        )
                    )
                    timelines.append((formed_on, events))
            KIM.objects.bulk_create(kims)
            changes = []
            for kim, (formed_on, events) in zip(kims, timelines, strict=True):
                changes.append(
                    KIMStatusChange(
                        kim_id=kim.pk,
                        effective_on=formed_on,
                        level="pemula",
                        is_active=True,
                        note=SYNTHETIC_NOTE,
                    )
                )
                changes += [
                    KIMStatusChange(
                        kim_id=kim.pk,
                        effective_on=day,
                        level=level,
                        is_active=is_active,
                        note=SYNTHETIC_NOTE,
                    )
                    for day, level, is_active in events
                ]
            KIMStatusChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
            kim_total += len(kims)
            change_total += len(changes)
            done = min(start + BATCH_SIZE, len(desa_rows))
            log(f"synthetic: {done:,} of {len(desa_rows):,} desa, {kim_total:,} KIM")
    log(f"synthetic: {kim_total:,} KIM, {change_total:,} status changes")


def build_synthetic_boundaries(*, vertices: int = BOUNDARY_VERTICES) -> None:
    """A made-up polygon for every kecamatan (bench only, never product data): a ring of
    ``vertices`` points around a point drawn from the kecamatan's code, so that the map and its
    GeoJSON endpoint carry a national load of geometry. Real simplified boundaries have more
    vertices (see ``import_boundaries``)."""
    from villages.models import Kecamatan

    rows = list(Kecamatan.objects.only("pk", "code").order_by("code"))
    for kecamatan in rows:
        rng = random.Random(kecamatan.code)
        lon, lat = rng.uniform(95.0, 141.0), rng.uniform(-11.0, 6.0)
        ring = [
            [
                round(lon + 0.05 * math.cos(2 * math.pi * i / vertices), 5),
                round(lat + 0.05 * math.sin(2 * math.pi * i / vertices), 5),
            ]
            for i in range(vertices)
        ]
        kecamatan.boundary = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    Kecamatan.objects.bulk_update(rows, ["boundary"], batch_size=1000)
    log(f"synthetic boundaries: {len(rows):,} kecamatan, {vertices} vertices each")


def analyze() -> None:
    """Fresh planner statistics and visibility map after the bulk load (PostgreSQL)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


# --- measuring -------------------------------------------------------------------------------


REPORT_MONTH = "2025-09"


def pages() -> list[tuple[str, str]]:
    """(label, URL) of every measured page, for the same kecamatan, desa and KIM at each scale."""
    from django.urls import reverse

    from villages.models import KIM

    kim = KIM.objects.filter(desa__code=DESA_CODE).order_by("pk").first()
    if kim is None:
        raise SystemExit(f"no KIM in desa {DESA_CODE}: is the demo loaded?")
    return [
        ("dashboard", reverse("dashboard")),
        (f"dashboard {PAST_DATE}", f"{reverse('dashboard')}?tanggal={PAST_DATE}"),
        ("map", reverse("map")),
        ("map data (GeoJSON)", reverse("reports:map_data")),
        ("kecamatan list", reverse("villages:kecamatan_list")),
        ("kecamatan detail", reverse("villages:kecamatan_detail", args=[KECAMATAN_CODE])),
        ("desa list", reverse("villages:desa_list")),
        ("desa tanpa KIM", reverse("villages:desa_uncovered")),
        ("desa detail", reverse("villages:desa_detail", args=[DESA_CODE])),
        ("KIM list", reverse("villages:kim_list")),
        ("KIM detail", reverse("villages:kim_detail", args=[kim.pk])),
        ("KIM registration form", reverse("villages:kim_create")),
        ("desa tanpa KIM, CSV", f"{reverse('villages:desa_uncovered')}?_export=csv"),
        ("comparison", reverse("reports:comparison")),
        ("comparison, XLSX", f"{reverse('reports:comparison')}?format=xlsx"),
        ("follow-up list", reverse("reports:followup")),
        ("follow-up list, Kabupaten Malang", f"{reverse('reports:followup')}?wilayah=35.07"),
        ("monthly report 2025-09", reverse("reports:monthly", args=[REPORT_MONTH])),
        (
            "monthly report 2025-09, XLSX",
            f"{reverse('reports:monthly', args=[REPORT_MONTH])}?format=xlsx",
        ),
        (
            "monthly report 2025-09, PDF",
            f"{reverse('reports:monthly', args=[REPORT_MONTH])}?format=pdf",
        ),
    ]


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of values at or
    below it (p95 of 20 runs is the 19th fastest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(round(share * len(ordered), 9)))
    return ordered[rank - 1]


class QueryTimer:
    """An execute wrapper timing every query with ``perf_counter`` (Django's own log rounds
    each query to the millisecond)."""

    def __init__(self):
        self.durations: list[float] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.durations.append(time.perf_counter() - started)


# A server-side cursor's statement, as Django's query log records it: replayed as its SELECT.
DECLARE = re.compile(r"^\s*DECLARE\s+\S+\s+NO SCROLL CURSOR\s+WITH(OUT)? HOLD\s+FOR\s+", re.I)


def bare_sql_ms(captured: list[dict], repeats: int) -> float | None:
    """The median time to run the page's own SELECTs straight on the connection and fetch all
    their rows, with no ORM, view or template: how much of the page is its own SQL (not a
    reference: a slow query replayed is as slow; see ``reference_statements``)."""
    from django.db import connection

    statements = [DECLARE.sub("", query["sql"]) for query in captured]
    statements = [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    times = []
    try:
        for _repeat in range(repeats):
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
            times.append(time.perf_counter() - t0)
    except Exception as error:  # a statement the query log cannot reproduce verbatim
        log(f"bare SQL not measured: {error}")
        return None
    return statistics.median(times) * 1000


# --- the hand-written reference -------------------------------------------------------------
# The same figures as the dashboard and the map data, over the same tables (the structure of
# villages.timeline), written by hand the way one would for PostgreSQL, independently of the
# page's own queries: what the tables allow. Each page's p50 is reported against it.

_IN_FORCE_TODAY = "{t}.ends_on IS NULL"
_IN_FORCE_PAST = "{t}.starts_on <= %(on)s AND ({t}.ends_on IS NULL OR {t}.ends_on > %(on)s)"

REFERENCE_KECAMATAN = """
SELECT k.id, k.code, k.name, COALESCE(d.n, 0), COALESCE(c.desa_covered, 0),
       COALESCE(c.kim_formed, 0), COALESCE(c.kim_active, 0), COALESCE(c.active_pemula, 0),
       COALESCE(c.active_berkembang, 0), COALESCE(c.active_mandiri, 0){geometry}
FROM villages_kecamatan k
LEFT JOIN (SELECT kecamatan_id, COUNT(*) AS n FROM villages_desa GROUP BY kecamatan_id) d
       ON d.kecamatan_id = k.id
LEFT JOIN villages_kecamatancoverageinterval c ON c.kecamatan_id = k.id AND {in_force}
{where}ORDER BY k.code
"""

# KIM needing a check: active on the date, formed before the stale period, no activity in it.
_STALE = """
FROM villages_kimstatusinterval i
WHERE {in_force} AND i.is_active AND i.formed_on < %(cutoff)s
  AND NOT EXISTS (SELECT 1 FROM villages_kimactivity a WHERE a.kim_id = i.kim_id
                  AND a.occurred_on BETWEEN %(cutoff)s AND %(on)s)
"""
REFERENCE_STALE_COUNT = "SELECT COUNT(*) " + _STALE
# The first ten of them, longest silence first: those with no activity at all by name, then
# the others by their last activity.
_STALE_LINE = """
SELECT k.id, k.name, k.formed_on, d.code AS desa_code, d.name AS desa_name,
       kc.code AS kecamatan_code, kc.name AS kecamatan_name, {last} AS last_activity_on
FROM villages_kim k
JOIN villages_desa d ON d.id = k.desa_id
JOIN villages_kecamatan kc ON kc.id = d.kecamatan_id
WHERE k.id IN (SELECT i.kim_id {stale})
  AND {activity} (SELECT 1 FROM villages_kimactivity a WHERE a.kim_id = k.id
                  AND a.occurred_on <= %(on)s)
ORDER BY {order} LIMIT 10
"""
REFERENCE_STALE_FIRST = """
SELECT * FROM (
  ({silent})
  UNION ALL
  ({active})
) AS first ORDER BY last_activity_on NULLS FIRST, name LIMIT 10
"""
# The daily changes up to the date; adding them up per month is left to the caller, as the
# page does (a window sum in SQL costs more than the rows it saves).
REFERENCE_SERIES = """
SELECT day, kim_formed, kim_active FROM villages_kimcountchange WHERE day <= %(on)s ORDER BY day
"""
REFERENCE_TARGETS = "SELECT year, kim_count FROM reports_target ORDER BY year"
REFERENCE_AREA_NAMES = "SELECT code, name FROM villages_provinsi"


def reference_statements(label: str) -> list[tuple[str, dict]] | None:
    """The hand-written SQL of the page ``label`` (dashboard today or in the past, map data),
    with its parameters; None for the pages without one."""
    from django.conf import settings
    from django.utils import timezone

    from kimtracker.dates import months_before

    today = timezone.localdate()
    if label == "map data (GeoJSON)":
        sql = REFERENCE_KECAMATAN.format(
            geometry=", k.boundary_geojson",
            in_force=_IN_FORCE_TODAY.format(t="c"),
            where="WHERE k.boundary IS NOT NULL ",
        )
        return [(sql, {"on": today})]
    if label == "dashboard":
        on = today
    elif label == f"dashboard {PAST_DATE}":
        on = datetime.date.fromisoformat(PAST_DATE)
    else:
        return None
    in_force = _IN_FORCE_TODAY if on >= today else _IN_FORCE_PAST
    stale = _STALE.format(in_force=in_force.format(t="i"))
    last = (
        "(SELECT MAX(a.occurred_on) FROM villages_kimactivity a "
        "WHERE a.kim_id = k.id AND a.occurred_on <= %(on)s)"
    )
    first = REFERENCE_STALE_FIRST.format(
        silent=_STALE_LINE.format(
            last="NULL::date", stale=stale, activity="NOT EXISTS", order="k.name"
        ),
        active=_STALE_LINE.format(
            last=last, stale=stale, activity="EXISTS", order="last_activity_on, k.name"
        ),
    )
    params = {"on": on, "cutoff": months_before(on, settings.KIM_ACTIVITY_STALE_MONTHS)}
    return [
        (
            REFERENCE_KECAMATAN.format(geometry="", in_force=in_force.format(t="c"), where=""),
            params,
        ),
        (REFERENCE_STALE_COUNT.format(in_force=in_force.format(t="i")), params),
        (first, params),
        (REFERENCE_SERIES, params),
        (REFERENCE_TARGETS, params),
        (REFERENCE_AREA_NAMES, params),
    ]


def reference_run(statements: list[tuple[str, dict]]) -> float:
    """Seconds to run ``statements`` once on the connection and fetch every row."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - t0


def measure(
    runs: int,
    max_seconds: float,
    only: list[str] | None = None,
    skip: list[str] | None = None,
) -> list[dict]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # What django.test's set-up does for the test client's host, without its instrumentation.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _created = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    # Loaded as a gunicorn worker loads it: its entry point freezes what start-up made out of
    # the cycle collector's walks (kimtracker/wsgi.py).
    import kimtracker.wsgi  # noqa: F401

    client = Client()
    client.force_login(user)

    results = []
    for label, url in pages():
        if only and not any(text in label for text in only):
            continue
        if skip and any(text in label for text in skip):
            continue
        t0 = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{label} {url}: HTTP {response.status_code}")
        _body(response)
        first = time.perf_counter() - t0
        times, cpu_times, sql_times, queries, size = [], [], [], 0, 0
        slowest_ms, slowest_sql = 0.0, ""
        # The reference runs once after each timed request, so that both meet the same load
        # (two shared cores: another process starting halves either).
        statements = reference_statements(label) if connection.vendor == "postgresql" else None
        reference_times = []
        started = time.perf_counter()
        for _run in range(runs):
            timer = QueryTimer()
            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
                t0, cpu0 = time.perf_counter(), time.process_time()
                response = client.get(url)
                size = len(_body(response))
                times.append(time.perf_counter() - t0)
                cpu_times.append(time.process_time() - cpu0)
            queries = len(captured.captured_queries)
            sql_times.append(sum(timer.durations))
            for duration, query in zip(timer.durations, captured.captured_queries, strict=True):
                if duration * 1000 > slowest_ms:
                    slowest_ms, slowest_sql = duration * 1000, query["sql"]
            if statements:
                reference_times.append(reference_run(statements))
            if len(times) >= 3 and time.perf_counter() - started > max_seconds:
                break
        bare_ms = bare_sql_ms(captured.captured_queries, repeats=max(3, min(runs, 10)))
        median_ms = statistics.median(times) * 1000
        ref_ms = statistics.median(reference_times) * 1000 if reference_times else None
        row = {
            "page": label,
            "url": url,
            "runs": len(times),
            "first_ms": first * 1000,
            "median_ms": median_ms,
            "bare_sql_ms": bare_ms,
            "reference_ms": ref_ms,
            "ratio": median_ms / ref_ms if ref_ms else None,
            "p95_ms": percentile(times, 0.95) * 1000,
            "sql_median_ms": statistics.median(sql_times) * 1000,
            "cpu_median_ms": statistics.median(cpu_times) * 1000,
            "queries": queries,
            "bytes": size,
            "slowest_query_ms": slowest_ms,
            "slowest_query": slowest_sql,
        }
        results.append(row)
        log(
            f"{label}: median {row['median_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, "
            f"SQL {row['sql_median_ms']:.1f} ms, Python CPU {row['cpu_median_ms']:.1f} ms, "
            f"{queries} queries, {size:,} bytes, page SQL replayed "
            + (f"{bare_ms:.1f} ms" if bare_ms else "n/a")
            + (f", reference {ref_ms:.1f} ms (x{row['ratio']:.2f})" if ref_ms else "")
        )
    return results


def counts() -> dict[str, int]:
    from villages.models import KIM, Desa, Kecamatan, KIMStatusChange

    return {
        "kecamatan": Kecamatan.objects.count(),
        "desa": Desa.objects.count(),
        "kim": KIM.objects.count(),
        "kim_active": KIM.objects.filter(is_active=True).count(),
        "status_changes": KIMStatusChange.objects.count(),
    }


def environment() -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
    return {
        "database": version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": str(os.cpu_count()),
        "load": " ".join(f"{n:.2f}" for n in os.getloadavg()),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


def explain(results: list[dict], path: Path) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each page's slowest query into ``path`` (PostgreSQL)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        log("--explain needs PostgreSQL; skipped")
        return
    parts = []
    with connection.cursor() as cursor:
        for row in results:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + row["slowest_query"])
            plan = "\n".join(line for (line,) in cursor.fetchall())
            parts.append(
                f"## {row['page']} ({row['slowest_query_ms']:.1f} ms)\n\n"
                f"```sql\n{row['slowest_query']}\n```\n\n```\n{plan}\n```\n"
            )
    path.write_text("\n".join(parts), encoding="utf-8")
    log(f"plans written to {path}")


def markdown(scale: str, info: dict, data: dict, loads: dict, results: list[dict]) -> str:
    lines = [
        f"### Scale `{scale}`: {info['database']}",
        "",
        f"{data['kecamatan']:,} kecamatan, {data['desa']:,} desa, {data['kim']:,} KIM "
        f"({data['kim_active']:,} active today), {data['status_changes']:,} status changes. "
        f"Django {info['django']}, Python {info['python']}, {info['cpus']} CPUs, {info['date']}; "
        f"load average {info['load']} before, {info['load_after']} after the timing. "
        f"Figure cache: {info['figure_cache']}.",
    ]
    if loads:
        lines.append(
            "Load: "
            + ", ".join(f"{label} {seconds:.0f} s" for label, seconds in loads.items())
            + "."
        )
    lines += [
        "",
        "| page | first ms | runs | median ms | p95 ms | SQL ms | Python CPU ms | queries | size "
        "| page SQL replayed ms | reference ms | × reference |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in results:
        lines.append(
            f"| {row['page']} (`{row['url']}`) | {row['first_ms']:.1f} | {row['runs']} | "
            f"{row['median_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | {row['sql_median_ms']:.1f} | {row['cpu_median_ms']:.1f} | "
            f"{row['queries']} | {_size(row['bytes'])} | "
            + (f"{row['bare_sql_ms']:.1f} | " if row["bare_sql_ms"] else "– | ")
            + (
                f"{row['reference_ms']:.1f} | {row['ratio']:.2f} |"
                if row.get("reference_ms")
                else "– | – |"
            )
        )
    lines += [
        "",
        "first ms: the warm-up request (cold caches). The other times are medians of the "
        "timed runs, except p95. SQL ms: wall time inside `cursor.execute` "
        "(rows fetched later, by a server-side cursor or by SQLite's stepping, are not in it). "
        "Python CPU ms: CPU time of the Django process, which other load on the machine does "
        "not inflate. page SQL replayed ms: the page's own SELECTs replayed on the connection, "
        "all rows fetched (its share of SQL, not a reference). reference ms: the hand-written "
        "SQL of the same figures over the same tables (`reference_statements` in "
        "bench/pages.py), all rows fetched; × reference: median ms / reference ms (1.0 would "
        "be the tables' own speed)"
        + (
            " (SQLite runs inside that process, so its work is counted there)."
            if info["database"].startswith("SQLite")
            else "."
        ),
    ]
    return "\n".join(lines) + "\n"


def _size(n: int) -> str:
    return f"{n / 1024:,.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def main(argv=None) -> None:
    args = parse_args(argv)
    # Before minutes of measuring, not after: the folders of the files to write.
    for path in (args.output, args.json, args.explain):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "kimtracker.settings.local"
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    config = connection.settings_dict
    loads = {}
    if not args.reuse:
        log(f"resetting {config['ENGINE'].rsplit('.', 1)[-1]} database {config['NAME']}")
        reset_database(config)
    call_command("migrate", verbosity=0, interactive=False)
    if not args.reuse:
        loads = load_data(args.scale, args.wilayah_source, args.synthetic_kim)
        started = time.perf_counter()
        analyze()
        loads["VACUUM ANALYZE"] = time.perf_counter() - started

    if args.load_only:
        log(f"loaded: {counts()}")
        return
    if args.redis_url:
        from django.core.cache import caches

        caches["figures"].clear()
    data, info = counts(), environment()
    info["figure_cache"] = "on (Redis; timed runs are hits)" if args.redis_url else "off"
    results = measure(args.runs, args.max_seconds, args.only, args.skip)
    info["load_after"] = " ".join(f"{n:.2f}" for n in os.getloadavg())
    table = markdown(args.scale, info, data, loads, results)
    print(table)
    if args.output:
        args.output.write_text(table, encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "scale": args.scale,
                    "environment": info,
                    "data": data,
                    "load_seconds": loads,
                    "pages": results,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    if args.explain:
        explain(results, args.explain)
    if args.drop:
        connection.close()
        reset_database(config, create=False)
        log(f"dropped {config['NAME']}")


if __name__ == "__main__":
    main()
