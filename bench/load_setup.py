"""Python side of bench/load.sh and bench/pg_restart.sh (not meant to be run on its own).

    .venv/bin/python bench/load_setup.py SUBCOMMAND --help

Subcommands: reset-db, analyze, free-port, session, register, verify, access-log, drive,
timeline. Those that touch the database read DATABASE_URL and DJANGO_SETTINGS_MODULE from the
environment, like manage.py. HTTP requests go to gunicorn directly with the headers nginx would
add (X-Forwarded-Proto: https), so that the production settings run unchanged.
"""

import argparse
import http.client
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OFFICER_USERNAME = "beban-petugas"
# The KIM form is the only page with this attribute: a 200 carrying it is a refused registration.
KIM_FORM_MARKER = "data-kim-form"
KIM_LOCATION = re.compile(r"^/kim/(\d+)/$")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def django_setup() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kimtracker.settings.production")
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- HTTP ------------------------------------------------------------------------------------


class Server:
    """gunicorn at ``base_url``, spoken to as nginx would: plain HTTP with X-Forwarded-Proto."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = f"https://{parts.hostname}:{parts.port}"
        self.timeout = timeout

    def request(self, method: str, path: str, *, cookies=None, body=None, headers=None):
        """One request on a fresh connection; returns (status, headers dict, body text)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        all_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "id"}
        if cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Origin"] = self.origin
            all_headers["Referer"] = f"{self.origin}{path}"
        all_headers.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, response, text
        finally:
            connection.close()


def set_cookies(response) -> dict:
    cookies = {}
    for header in response.msg.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies


# --- subcommands -----------------------------------------------------------------------------


def cmd_reset_db(args) -> None:
    """Drop and create the PostgreSQL database of DATABASE_URL."""
    import environ
    import psycopg2
    from psycopg2 import sql

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit("reset-db: DATABASE_URL must be a postgres:// URL")
    connection = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        connect_timeout=10,
    )
    connection.autocommit = True
    name = sql.Identifier(config["NAME"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        connection.close()
    log(f"database {config['NAME']} created")


def cmd_analyze(args) -> None:
    """VACUUM ANALYZE after the bulk load, as autovacuum would do a little later."""
    django_setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from villages.models import KIM, Desa, Kecamatan

    print(
        f"kecamatan={Kecamatan.objects.count()} desa={Desa.objects.count()} "
        f"kim={KIM.objects.count()}"
    )


def cmd_free_port(args) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        print(sock.getsockname()[1])


def cmd_session(args) -> None:
    """A Petugas of the whole country (wilayah ""), logged in server-side (no
    POST to the login page, which django-axes throttles); then the CSRF pair from the form."""
    django_setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from kimtracker import roles
    from villages import permissions
    from villages.models import Desa, Kecamatan

    user, _created = get_user_model().objects.get_or_create(
        username=OFFICER_USERNAME, defaults={"first_name": "Petugas", "last_name": "Uji Beban"}
    )
    user.set_unusable_password()
    user.is_superuser = user.is_staff = False
    user.save()
    user.groups.set([Group.objects.get(name=roles.PETUGAS)])
    # The whole country: the load test registers KIM anywhere.
    user.wilayah_scope.all().delete()
    user.wilayah_scope.create(code="")
    user = get_user_model().objects.get(pk=user.pk)
    sample = Desa.objects.select_related("kecamatan").first()
    if not user.has_perm(roles.PERM_ADD) or not permissions.may_write_in(
        user, sample, roles.PERM_ADD
    ):
        raise SystemExit(f"{OFFICER_USERNAME} may not register KIM")

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    server = Server(args.base_url)
    status, response, body = server.request(
        "GET", "/kim/baru/", cookies={settings.SESSION_COOKIE_NAME: session}
    )
    if status != 200 or KIM_FORM_MARKER not in body:
        raise SystemExit(f"GET /kim/baru/ with the officer's session answered {status}")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    csrf_cookie = set_cookies(response).get(settings.CSRF_COOKIE_NAME)
    if not match or not csrf_cookie:
        raise SystemExit("no CSRF token in the KIM form or no csrftoken cookie")

    # Every desa of the Kabupaten, so the registrations spread over all of them.
    desa = list(Desa.objects.order_by("code").values_list("kecamatan__code", "code"))
    params = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session": session,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "csrf_cookie": csrf_cookie,
        "csrf_token": match.group(1),
        "origin": server.origin,
        "kecamatan_count": Kecamatan.objects.count(),
        "desa": desa,
    }
    Path(args.json).write_text(json.dumps(params))
    if args.lua:
        rows = ",\n".join(f'  {{"{k}", "{d}"}}' for k, d in desa)
        lua = [
            "-- written by bench/load_setup.py session; read by bench/load.lua",
            "return {",
            *(
                f'{key} = "{params[key]}",'
                for key in (
                    "session_cookie",
                    "session",
                    "csrf_cookie_name",
                    "csrf_cookie",
                    "csrf_token",
                    "origin",
                )
            ),
            f"desa = {{\n{rows}\n}},",
            "}",
        ]
        Path(args.lua).write_text("\n".join(lua) + "\n")
    log(
        f"session of {OFFICER_USERNAME} (Petugas, all {params['kecamatan_count']} kecamatan) "
        f"and CSRF token ready; {len(desa)} desa to register KIM in"
    )


def registration_body(params: dict, *, name: str, index: int) -> str:
    kecamatan, desa = params["desa"][index % len(params["desa"])]
    return urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": params["csrf_token"],
            "kecamatan": kecamatan,
            "desa": desa,
            "name": name,
            "formed_on": "2025-01-15",
            "member_count": "12",
            "chair_name": "Ketua Uji",
            "chair_phone": "081234567890",
            "address": "Balai desa",
            "confirm_second": "on",
            "version": "",
        }
    )


def register(base_url: str, params: dict, name: str, index: int = 0, timeout: float = 10.0):
    """POST one registration; returns (ok, status, pk or None, seconds, error text)."""
    server = Server(base_url, timeout=timeout)
    cookies = {
        params["session_cookie"]: params["session"],
        params["csrf_cookie_name"]: params["csrf_cookie"],
    }
    started = time.monotonic()
    try:
        status, response, _body = server.request(
            "POST",
            "/kim/baru/",
            cookies=cookies,
            body=registration_body(params, name=name, index=index),
        )
    except OSError as error:
        return False, None, None, time.monotonic() - started, repr(error)
    match = KIM_LOCATION.match(response.getheader("Location") or "")
    pk = int(match.group(1)) if status == 302 and match else None
    return pk is not None, status, pk, time.monotonic() - started, ""


def cmd_register(args) -> None:
    """One registration: the outcome on stderr, ``PK:NAME`` on stdout when it succeeded."""
    params = json.loads(Path(args.params).read_text())
    ok, status, pk, seconds, error = register(args.base_url, params, args.name, args.index)
    outcome = "registered" if ok else "NOT registered"
    log(f"{outcome} '{args.name}': HTTP {status}, pk {pk}, {seconds:.3f} s {error}".rstrip())
    if not ok:
        sys.exit(1)
    print(f"{pk}:{args.name}")


def cmd_verify(args) -> None:
    """The KIM of this run in the database against the registrations wrk saw succeed."""
    django_setup()
    from villages.models import KIM, KIMStatusChange

    result = json.loads(Path(args.result).read_text())
    seen = [int(pk) for pk in result["reg_pks"].split(",") if pk]
    created = KIM.objects.filter(name__startswith=args.prefix)
    created_pks = set(created.values_list("pk", flat=True))
    names = list(created.values_list("name", flat=True))
    timelines = KIMStatusChange.objects.filter(kim__in=created_pks).count()
    report = {
        "successful_responses": len(seen),
        "distinct_pks_in_responses": len(set(seen)),
        "kim_in_database": len(created_pks),
        "distinct_names_in_database": len(set(names)),
        "status_changes_of_those_kim": timelines,
        "posts_sent": result["posts_sent"],
        "missing_in_database": sorted(set(seen) - created_pks)[:20],
        "not_acknowledged": sorted(created_pks - set(seen))[:20],
    }
    report["ok"] = (
        len(seen) == len(set(seen)) == len(created_pks) == len(set(names)) == timelines
        and result["posts_sent"] == len(seen)
        and not report["missing_in_database"]
        and not report["not_acknowledged"]
    )
    Path(args.output).write_text(json.dumps(report, indent=2))
    print(
        f"registrations: {result['posts_sent']} sent, {len(seen)} answered 302 -> /kim/<pk>/, "
        f"{len(created_pks)} KIM named '{args.prefix}*' in the database "
        f"({len(set(names))} distinct names, {timelines} opening status changes); "
        f"missing {report['missing_in_database']}, unacknowledged {report['not_acknowledged']}: "
        f"{'OK' if report['ok'] else 'MISMATCH'}"
    )


def cmd_access_log(args) -> None:
    """Server-side time per endpoint from gunicorn's access log ('%(m)s %(U)s %(s)s %(D)s
    %(p)s'): the time inside a worker, without the wait in the listen queue."""
    rows = defaultdict(list)
    statuses = defaultdict(Counter)
    workers = Counter()
    for line in Path(args.log).read_text().splitlines():
        parts = line.split()
        if len(parts) != 5:
            continue
        method, path, status, micros, pid = parts
        key = f"{method} {path}"
        rows[key].append(int(micros) / 1000)
        statuses[key][status] += 1
        workers[pid.strip("<>")] += 1
    total = sum(len(v) for v in rows.values())
    lines = [
        "| endpoint | requests | server p50 ms | server p90 ms | server p99 ms | statuses |",
        "|---|--:|--:|--:|--:|---|",
    ]
    every = []
    for key in sorted(rows, key=lambda k: -len(rows[k])):
        values = rows[key]
        every.extend(values)
        codes = ", ".join(f"{c}: {n}" for c, n in sorted(statuses[key].items()))
        lines.append(
            f"| `{key}` | {len(values)} | {percentile(values, 0.5):.0f} | "
            f"{percentile(values, 0.9):.0f} | {percentile(values, 0.99):.0f} | {codes} |"
        )
    lines.append(
        f"| all | {total} | {percentile(every, 0.5):.0f} | {percentile(every, 0.9):.0f} | "
        f"{percentile(every, 0.99):.0f} | |"
    )
    busy = sum(every) / 1000
    lines.append("")
    lines.append(
        f"Requests per worker pid: {dict(workers)}; time inside workers {busy:.1f} s in total"
        + (f" = {busy / args.duration:.2f} workers busy on average" if args.duration else "")
    )
    text = "\n".join(lines)
    Path(args.output).write_text(text + "\n")
    print(text)


# --- PostgreSQL restart: driver and timeline -------------------------------------------------


def cmd_drive(args) -> None:
    """GET ``path`` continuously from ``threads`` threads until ``stop_file`` appears; one JSON
    line per request (wall-clock start, seconds, status or error)."""
    params = json.loads(Path(args.params).read_text())
    cookies = {params["session_cookie"]: params["session"]}
    server = Server(args.base_url, timeout=args.timeout)
    stop = Path(args.stop_file)
    out = open(args.log, "a", buffering=1)  # noqa: SIM115 (closed at the end)
    lock = threading.Lock()

    def worker(n):
        while not stop.exists():
            started_wall, started = time.time(), time.monotonic()
            entry = {"t": round(started_wall, 3), "thread": n}
            try:
                status, _response, body = server.request("GET", args.path, cookies=cookies)
                entry["status"] = status
                if status != 200:
                    title = re.search(r"<title>(.*?)</title>", body, re.S)
                    entry["title"] = title.group(1).strip() if title else body[:80]
            except (OSError, http.client.HTTPException) as error:
                entry["error"] = type(error).__name__ + ": " + str(error)[:100]
            entry["seconds"] = round(time.monotonic() - started, 4)
            with lock:
                out.write(json.dumps(entry) + "\n")
            time.sleep(args.pause)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.close()


def cmd_timeline(args) -> None:
    """Sort the driver's requests into phases by the marks the script wrote and judge them. A
    request belongs to the phase in which it was answered: one in flight when PostgreSQL stops
    fails because of the stop."""
    marks = {}
    for line in Path(args.marks).read_text().splitlines():
        name, _, value = line.partition(" ")
        marks[name] = float(value)
    entries = [json.loads(line) for line in Path(args.log).read_text().splitlines() if line]
    for entry in entries:
        entry["end"] = entry["t"] + entry["seconds"]
    entries.sort(key=lambda e: e["end"])
    phases = [
        ("before", marks["drive_start"], marks["pg_stop"]),
        ("stopping and down", marks["pg_stop"], marks["pg_start"]),
        ("starting", marks["pg_start"], marks["pg_started"]),
        ("after", marks["pg_started"], float("inf")),
    ]
    summary = {"phases": [], "marks": marks}
    lines = [
        "| phase (answered) | from s | to s | requests | ok (200) | failed | kinds of failure "
        "| slowest s |",
        "|---|--:|--:|--:|--:|--:|---|--:|",
    ]
    zero = marks["pg_stop"]
    for name, start, end in phases:
        rows = [e for e in entries if start <= e["end"] < end]
        ok = [e for e in rows if e.get("status") == 200]
        failed = [e for e in rows if e.get("status") != 200]
        kinds = Counter(
            f"HTTP {e['status']} ({e.get('title', '')})" if "status" in e else e["error"]
            for e in failed
        )
        slowest = max((e["seconds"] for e in rows), default=0.0)
        summary["phases"].append(
            {
                "phase": name,
                "requests": len(rows),
                "ok": len(ok),
                "failed": len(failed),
                "kinds": dict(kinds),
                "slowest_seconds": slowest,
            }
        )
        shown_end = marks["drive_stop"] if end == float("inf") else end
        lines.append(
            f"| {name} | {start - zero:+.1f} | {shown_end - zero:+.1f} | {len(rows)} | "
            f"{len(ok)} | {len(failed)} | "
            f"{'; '.join(f'{k}: {n}' for k, n in kinds.items()) or '-'} | {slowest:.2f} |"
        )
    # Recovery counts from the start command: pg_ctlcluster returns a little after PostgreSQL
    # accepts connections, and the pages may succeed in between.
    after = [e for e in entries if e["end"] >= marks["pg_start"]]
    first_ok = next((e for e in after if e.get("status") == 200), None)
    recovery = (first_ok["end"] - marks["pg_start"]) if first_ok else None
    down = [e for e in entries if marks["pg_stop"] <= e["end"] < marks["pg_started"]]
    last_fail = max(
        (e["end"] for e in entries if e.get("status") != 200 and e["end"] >= marks["pg_stop"]),
        default=None,
    )
    failures_after_first_ok = [
        e for e in after if first_ok and e["end"] > first_ok["end"] and e.get("status") != 200
    ]
    summary.update(
        first_success_after_start_s=recovery,
        failures_after_first_success=len(failures_after_first_ok),
        requests_over_timeout=sum(1 for e in entries if e["seconds"] >= args.max_seconds),
        unclean_failures_while_down=sum(1 for e in down if e.get("status") not in (200, 503)),
        pg_down_seconds=marks["pg_start"] - marks["pg_stop"],
        last_failure_after_stop_s=(last_fail - zero) if last_fail else None,
    )
    lines.append("")
    lines.append(
        f"PostgreSQL: stop command at +0.0 s (stopped at "
        f"+{marks['pg_stopped'] - zero:.1f} s), start command at "
        f"+{marks['pg_start'] - zero:.1f} s, start command returned at "
        f"+{marks['pg_started'] - zero:.1f} s; last failed page answered at "
        + (f"+{last_fail - zero:.2f} s" if last_fail else "-")
        + "; first successful page "
        + (f"{recovery:.2f} s after the start command" if recovery is not None else "NEVER")
        + f"; failures after the first success: {len(failures_after_first_ok)}; requests that "
        f"took {args.max_seconds:g} s or more: {summary['requests_over_timeout']}; answers "
        f"while stopping, down or starting that were not 200 or a clean 503: "
        f"{summary['unclean_failures_while_down']}."
    )
    Path(args.output).write_text(json.dumps(summary, indent=2))
    print("\n".join(lines))


def cmd_check_kim(args) -> None:
    """Whether the KIM ``PK:NAME`` are in the database, and no KIM is named as an ``--absent``
    one (a registration refused while the database was down must have left nothing)."""
    django_setup()
    from villages.models import KIM

    missing = []
    for pair in args.kim:
        pk, _, name = pair.partition(":")
        if not KIM.objects.filter(pk=int(pk), name=name, voided_at__isnull=True).exists():
            missing.append(pair)
    present = [name for name in args.absent if KIM.objects.filter(name=name).exists()]
    print(
        "registrations in the database: "
        + ("all" if not missing else f"MISSING {missing}")
        + (
            f"; refused registration absent: {'yes' if not present else f'NO, found {present}'}"
            if args.absent
            else ""
        )
    )
    if missing or present:
        sys.exit(1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("reset-db").set_defaults(func=cmd_reset_db)
    sub.add_parser("analyze").set_defaults(func=cmd_analyze)
    sub.add_parser("free-port").set_defaults(func=cmd_free_port)

    p = sub.add_parser("session")
    p.add_argument("--base-url", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--lua")
    p.set_defaults(func=cmd_session)

    p = sub.add_parser("register")
    p.add_argument("--base-url", required=True)
    p.add_argument("--params", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--index", type=int, default=0)
    p.set_defaults(func=cmd_register)

    p = sub.add_parser("verify")
    p.add_argument("--result", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--output", required=True)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("access-log")
    p.add_argument("--log", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--duration", type=float, default=0)
    p.set_defaults(func=cmd_access_log)

    p = sub.add_parser("drive")
    p.add_argument("--base-url", required=True)
    p.add_argument("--params", required=True)
    p.add_argument("--path", default="/kecamatan/")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pause", type=float, default=0.05)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--log", required=True)
    p.add_argument("--stop-file", required=True)
    p.set_defaults(func=cmd_drive)

    p = sub.add_parser("timeline")
    p.add_argument("--log", required=True)
    p.add_argument("--marks", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--max-seconds", type=float, default=10)
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("check-kim")
    p.add_argument("kim", nargs="+", help="PK:NAME")
    p.add_argument("--absent", action="append", default=[], help="NAME that must not exist")
    p.set_defaults(func=cmd_check_kim)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
