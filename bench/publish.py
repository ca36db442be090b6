"""Times publishing a monthly report (issue 16): the web request that asks for it, the
background job that makes it (per step), and the pages that show it afterwards.

Usage (from the repository root)::

    .venv/bin/python bench/publish.py [--scale malang|jatim] [--database-url URL] [--runs 3]
                                      [--json FILE] [--wilayah-source DIR] [--reuse] [--drop]

What a run does:

1. Creates a fresh database (default
   ``postgres://postgres@127.0.0.1:5432/kimtracker_bench_publish_<scale>``; an ``sqlite:///``
   URL deletes and recreates the file), migrates and loads the data of the scale with
   bench/pages.py's ``reset_database`` and ``load_data`` (``malang``: the bundled Kabupaten
   Malang fixture and its demo; ``jatim``: ``load_wilayah --province 35`` from idn-area-data,
   fetched once with ``npm pack``, and Malang's demo), then ``VACUUM ANALYZE`` on PostgreSQL.
   Settings: ``kimtracker.settings.production`` (``DEBUG`` off, as a gunicorn worker runs;
   the HTTPS redirect off, since the test client speaks plain HTTP), the task backend left as
   configured (django-tasks on the database), so the request only enqueues; the static files
   are collected into a folder under the system temp folder for the WhiteNoise manifest.
2. For June 2023 and each wilayah of the scale (``malang``: Kabupaten Malang 35.07;
   ``jatim``: Kabupaten Malang 35.07 and Provinsi Jawa Timur 35), ``--runs`` times: deletes
   the month's publications of the wilayah, POSTs ``/laporan/bulanan/2023-06/terbitkan/`` as a
   Manajer (``django.test.Client.force_login``; ms and queries), then runs the job,
   ``reports.publishing.run``, in this process, end to end (ms and queries) and per step:
   ``monthly.build`` and ``exports.progress_series`` (read, in one snapshot), ``to_csv``,
   ``to_xlsx``, ``to_pdf``, and storing (from the end of the PDF to the end of ``run``: the
   files and content written, the commit), timed by wrapping those functions in this script
   only; plus the size of each file.
3. With the last publication in force: the monthly report page (warm-up, then ``--runs``
   requests: median ms and queries), the public verification page, then registers 3 KIM
   formed in June 2023 in the wilayah (late registrations, through ``villages.services``) and
   times the report page again, now with the difference panel.
4. Prints a Markdown table (``--json FILE``: the raw figures too).

The figures are those of the test client in one process: no web server, no network, no
worker process (the job runs where ``manage.py db_worker`` would run it).
"""

import argparse
import datetime
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import (  # noqa: E402 - bench/ is put on the path first
    analyze,
    counts,
    environment,
    load_data,
    log,
    reset_database,
)

SCALES = ("malang", "jatim")
MONTH = datetime.date(2023, 6, 1)
WILAYAH = {"malang": ("35.07",), "jatim": ("35.07", "35")}
LATE_KIM = 3
STEPS = ("read", "CSV", "XLSX", "PDF", "store")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="malang")
    parser.add_argument(
        "--database-url",
        help="default postgres://postgres@127.0.0.1:5432/kimtracker_bench_publish_<scale>",
    )
    parser.add_argument("--runs", type=int, default=3, help="publications (and page requests)")
    parser.add_argument("--json", type=Path, help="write the raw figures here as JSON")
    parser.add_argument(
        "--wilayah-source", type=Path, help="the package/data folder of idn-area-data"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the existing database; no reset, no load"
    )
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args(argv)
    args.database_url = (
        args.database_url
        or f"postgres://postgres@127.0.0.1:5432/kimtracker_bench_publish_{args.scale}"
    )
    return args


# --- timing ----------------------------------------------------------------------------------


class StepTimer:
    """Wraps the functions ``publishing.run`` calls (module attributes, looked up at each call)
    and records how long each took in the current run."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.pdf_done = 0.0
        self._saved = []

    def wrap(self, module, name: str, step: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                now = time.perf_counter()
                self.seconds[step] = self.seconds.get(step, 0.0) + now - started
                if step == "PDF":
                    self.pdf_done = now

        self._saved.append((module, name, original))
        setattr(module, name, timed)

    def restore(self) -> None:
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)
        self._saved.clear()


def _get(client, url: str, runs: int) -> dict:
    """A warm-up request, then ``runs`` timed ones: median ms, first ms, queries, size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t0 = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - t0
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
    return {
        "url": url,
        "first_ms": first * 1000,
        "median_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "runs": runs,
        "queries": len(captured.captured_queries),
        "bytes": len(response.content),
        "body": response.content.decode(),
    }


def publish_once(client, code: str, *, publishing, exports, monthly) -> dict:
    """Ask for June's publication of ``code`` through the page, then run its job; the figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    from reports.models import Publication, PublicationFile

    # A fresh first publication each run (bench only: published files are never deleted).
    made = {"publication__month": MONTH, "publication__wilayah_code": code}
    PublicationFile.objects.filter(**made).delete()
    Publication.objects.filter(month=MONTH, wilayah_code=code).delete()
    tasks_before = DBTaskResult.objects.count()
    url = reverse("reports:publish", args=[MONTH.strftime("%Y-%m")])
    with CaptureQueriesContext(connection) as captured:
        t0 = time.perf_counter()
        response = client.post(url, {"wilayah": code})
        request_s = time.perf_counter() - t0
    if response.status_code != 302:
        raise SystemExit(f"POST {url}: HTTP {response.status_code}")
    publication = Publication.objects.get(month=MONTH, wilayah_code=code)
    if publication.status != Publication.Status.QUEUED:
        raise SystemExit(f"the request did not only enqueue: {publication.status}")
    if DBTaskResult.objects.count() != tasks_before + 1:
        raise SystemExit("the request did not enqueue one background job")
    request_queries = len(captured.captured_queries)

    timer = StepTimer()
    timer.wrap(monthly, "build", "read")
    timer.wrap(exports, "progress_series", "read")
    timer.wrap(exports, "to_csv", "CSV")
    timer.wrap(exports, "to_xlsx", "XLSX")
    timer.wrap(exports, "to_pdf", "PDF")
    try:
        with CaptureQueriesContext(connection) as captured:
            t0, cpu0 = time.perf_counter(), time.process_time()
            done = publishing.run(publication.pk)
            finished = time.perf_counter()
            job_cpu = time.process_time() - cpu0
    finally:
        timer.restore()
    if done.status != Publication.Status.DONE:
        raise SystemExit(f"publishing {code} failed: {done.error}")
    steps = {label: timer.seconds.get(label, 0.0) * 1000 for label in STEPS[:-1]}
    steps["store"] = (finished - timer.pdf_done) * 1000
    job_ms = (finished - t0) * 1000
    return {
        "request_ms": request_s * 1000,
        "request_queries": request_queries,
        "job_ms": job_ms,
        "job_cpu_ms": job_cpu * 1000,
        "job_queries": len(captured.captured_queries),
        "steps_ms": steps,
        "other_ms": job_ms - sum(steps.values()),
        "sizes": dict(done.files.values_list("format", "size")),
        "number": done.number,
        "public_id": str(done.public_id),
    }


def register_late(code: str, by) -> list[int]:
    """``LATE_KIM`` KIM formed in June 2023 in the first desa of ``code``, registered now."""
    from villages import services
    from villages.models import Desa

    desa = Desa.objects.filter(code__startswith=f"{code}.").order_by("code")[:LATE_KIM]
    return [
        services.register_kim(
            desa=one,
            name=f"KIM Bench Terlambat {one.code}",
            formed_on=datetime.date(2023, 6, 10 + number),
            by=by,
            reason="Benchmark: SK terlambat diterima",
        ).pk
        for number, one in enumerate(desa)
    ]


def measure(scale: str, runs: int) -> list[dict]:
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from django.urls import reverse

    from kimtracker.roles import MANAJER, sync_roles
    from reports import exports, monthly, publishing

    # The job's and the log-in's INFO lines (WeasyPrint's steps, django-axes) drown the log.
    for name in ("weasyprint", "fontTools", "axes"):
        logging.getLogger(name).setLevel(logging.WARNING)
    sync_roles()

    manajer, _created = User.objects.get_or_create(username="bench-manajer")
    try:  # since issue 17 a user works within wilayah: this one within the whole country ("")
        from villages.accounts import set_role_and_wilayah
    except ImportError:
        manajer.groups.add(Group.objects.get(name=MANAJER))
    else:
        set_role_and_wilayah(manajer, role=MANAJER, codes=[""], reason="Benchmark")
    client = Client()
    client.force_login(manajer)
    default = monthly.default_wilayah()

    results = []
    for code in WILAYAH[scale]:
        wilayah = monthly.resolve_wilayah(code)
        log(f"{wilayah.name} ({code}): {runs} publications")
        published = []
        for run in range(runs):
            row = publish_once(
                client, code, publishing=publishing, exports=exports, monthly=monthly
            )
            published.append(row)
            log(
                f"  run {run + 1}: request {row['request_ms']:.1f} ms "
                f"({row['request_queries']} queries), job {row['job_ms']:.0f} ms "
                f"({row['job_queries']} queries): "
                + ", ".join(f"{k} {v:.0f}" for k, v in row["steps_ms"].items())
            )
        query = "" if default and default.code == code else f"?wilayah={code}"
        report_url = reverse("reports:monthly", args=[MONTH.strftime("%Y-%m")]) + query
        verify_url = reverse("reports:verify", args=[published[-1]["public_id"]])
        in_force = _get(client, report_url, runs)
        if published[-1]["number"] not in in_force["body"]:
            raise SystemExit(f"{report_url} does not show the publication in force")
        anonymous = Client()
        verification = _get(anonymous, verify_url, runs)
        late = register_late(code, manajer)
        with_difference = _get(client, report_url, runs)
        publication = publishing.current(MONTH, code)
        report = monthly.build(MONTH, wilayah)
        difference = publishing.difference(publication, report)
        if not difference.changed or difference.causes_total < len(late):
            raise SystemExit(f"no difference after {len(late)} late KIM: {difference}")
        for page in (in_force, verification, with_difference):
            page.pop("body")
        results.append(
            {
                "wilayah": code,
                "wilayah_name": wilayah.name,
                "publications": published,
                "report_page": in_force,
                "verification_page": verification,
                "report_page_with_difference": with_difference,
                "late_kim": len(late),
                "causes_listed": difference.causes_total,
            }
        )
    return results


def _median(rows: list[dict], key) -> float:
    return statistics.median(key(row) for row in rows)


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def _span(rows: list[dict], key) -> str:
    values = [key(row) for row in rows]
    if len(values) == 1:
        return _ms(values[0])
    return f"{_ms(statistics.median(values))} ({_ms(min(values))}–{_ms(max(values))})"


def markdown(scale: str, info: dict, data: dict, loads: dict, results: list[dict]) -> str:
    lines = [
        f"### Scale `{scale}`: {info['database']}",
        "",
        f"{data['kecamatan']:,} kecamatan, {data['desa']:,} desa, {data['kim']:,} KIM. "
        f"Django {info['django']}, Python {info['python']}, {info['cpus']} CPUs, {info['date']}, "
        f"`kimtracker.settings.production` (DEBUG off); load average {info['load']} before, "
        f"{info['load_after']} after.",
    ]
    if loads:
        lines.append("Load: " + ", ".join(f"{label} {s:.0f} s" for label, s in loads.items()) + ".")
    lines += [
        "",
        "| June 2023 | request ms (queries) | job ms (queries) | job CPU ms | read ms | CSV ms "
        "| XLSX ms | PDF ms | store ms | other ms | CSV / XLSX / PDF size |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for result in results:
        rows = result["publications"]
        sizes = rows[-1]["sizes"]
        lines.append(
            f"| {result['wilayah_name']} ({result['wilayah']}), {len(rows)} runs "
            f"| {_span(rows, lambda r: r['request_ms'])} ({rows[-1]['request_queries']}) "
            f"| {_span(rows, lambda r: r['job_ms'])} ({rows[-1]['job_queries']}) "
            f"| {_span(rows, lambda r: r['job_cpu_ms'])} | "
            + " | ".join(_span(rows, lambda r, s=s: r["steps_ms"][s]) for s in STEPS)
            + f" | {_ms(_median(rows, lambda r: r['other_ms']))} | "
            + " / ".join(_size(sizes.get(kind, 0)) for kind in ("csv", "xlsx", "pdf"))
            + " |"
        )
    lines += [
        "",
        "| page | median ms | first ms | queries | size |",
        "|---|--:|--:|--:|--:|",
    ]
    for result in results:
        for label, key in (
            ("monthly report, publication in force", "report_page"),
            (
                f"monthly report after {result['late_kim']} late KIM (difference panel)",
                "report_page_with_difference",
            ),
            ("verification page (no log-in)", "verification_page"),
        ):
            page = result[key]
            lines.append(
                f"| {result['wilayah']}: {label} (`{page['url']}`) | {page['median_ms']:.1f} "
                f"| {page['first_ms']:.1f} | {page['queries']} | {_size(page['bytes'])} |"
            )
    lines += [
        "",
        "Request and job: median (min–max) of the runs; the first run of each wilayah "
        "pays the cold start (imports, WeasyPrint's fonts). request: the POST as a Manajer, "
        "which records the publication and enqueues the job (django-tasks on the database). read: "
        "`monthly.build` + `exports.progress_series` in one snapshot; job CPU: "
        "`time.process_time` of this process over the job (SQLite's work included, "
        "PostgreSQL's not; other load on the machine does not inflate it); store: from the end of "
        "the PDF to the end of `publishing.run` (files and content written, commit); other: "
        "the rest of the job (snapshot and hash, QR code, progress updates). Pages: median "
        "of the timed requests after one warm-up.",
    ]
    return "\n".join(lines) + "\n"


def _size(n: int) -> str:
    return f"{n / 1024:,.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "kimtracker.settings.production"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-publish-not-secret")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    # The test client speaks plain HTTP: no redirect to HTTPS.
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "False"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    # The WhiteNoise manifest the templates' {% static %} needs, outside the checkout.
    static_root = Path(tempfile.gettempdir()) / "kimtracker-bench" / "static-publish"
    override_settings(STATIC_ROOT=static_root).enable()
    call_command("collectstatic", interactive=False, verbosity=0)

    config = connection.settings_dict
    loads = {}
    if not args.reuse:
        log(f"resetting {config['ENGINE'].rsplit('.', 1)[-1]} database {config['NAME']}")
        reset_database(config)
    call_command("migrate", verbosity=0, interactive=False)
    if not args.reuse:
        loads = load_data(args.scale, args.wilayah_source, 0)
        started = time.perf_counter()
        analyze()
        loads["VACUUM ANALYZE"] = time.perf_counter() - started

    data, info = counts(), environment()
    results = measure(args.scale, args.runs)
    info["load_after"] = " ".join(f"{n:.2f}" for n in os.getloadavg())
    table = markdown(args.scale, info, data, loads, results)
    print(table)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "scale": args.scale,
                    "environment": info,
                    "data": data,
                    "load_seconds": loads,
                    "results": results,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    if args.drop:
        connection.close()
        reset_database(config, create=False)
        log(f"dropped {config['NAME']}")


if __name__ == "__main__":
    main()
