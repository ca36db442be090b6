"""Faults during writes: a database that refuses to write (read-only, full disk) gives a clear
error page and leaves no half-written KIM; an import killed in the middle of its transaction
leaves nothing of its file, and the same import run again then succeeds completely."""

import csv
import datetime
import logging
import signal
import subprocess
import time
import uuid

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from villages.models import KIM, KIMStatusChange

from .scratch import OFFICER, ScratchDatabase


@pytest.fixture
def broken_writes(monkeypatch):
    """The database accepts reads but every write to the status timeline fails, as a full
    disk or a read-only database would after the KIM row was inserted."""
    bulk_create = QuerySet.bulk_create

    def fail(self, *args, **kwargs):
        raise OperationalError("database or disk is full")

    def fail_for_the_timeline(queryset, *args, **kwargs):
        if queryset.model is KIMStatusChange:
            fail(queryset)
        return bulk_create(queryset, *args, **kwargs)

    monkeypatch.setattr(KIMStatusChange, "save", fail)
    monkeypatch.setattr(QuerySet, "bulk_create", fail_for_the_timeline)


def test_registration_during_a_write_failure(user, malang, broken_writes):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post(
        reverse("villages:kim_create"),
        {
            "kecamatan": "35.07.08",
            "desa": "35.07.08.2001",
            "name": "KIM Disk Penuh",
            "formed_on": "2024-01-01",
            "member_count": "10",
        },
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "tidak ada data yang tersimpan sebagian" in response.content.decode()
    # The KIM row written before the failure was rolled back with it.
    assert not KIM.objects.exists()
    assert not KIM.history.exists()


def test_backup_and_restore_round_trip(transactional_db, demo, tmp_path):
    """The documented SQLite/any-database pair (docs/deploy.md): dumpdata, then loaddata into
    an empty database, gives the same figures for every month."""
    import datetime
    import io

    from django.core.management import call_command

    from reports import coverage

    def figures():
        months = [
            datetime.date(year, month, 28) for year in range(2017, 2026) for month in (3, 6, 9, 12)
        ]
        return [
            (s.kim_formed, s.kim_active, s.desa_covered, s.kim_mandiri)
            for s in (coverage.summary(on) for on in months)
        ]

    before = figures()
    backup = tmp_path / "cadangan.json"
    call_command("dumpdata", *BACKUP_ARGS, output=str(backup), stdout=io.StringIO())
    call_command("flush", "--no-input", stdout=io.StringIO())
    assert not KIM.objects.exists()
    call_command("loaddata", str(backup), stdout=io.StringIO())
    assert figures() == before
    assert KIM.objects.count() == 250


BACKUP_ARGS = [
    "--natural-foreign",
    "--natural-primary",
    "--exclude",
    "contenttypes",
    "--exclude",
    "auth.permission",
    "--exclude",
    "sessions",
    "--exclude",
    "admin.logentry",
    "--exclude",
    "axes",
]


# --- A real read-only database ----------------------------------------------------------------


@pytest.fixture
def read_only_database(transactional_db):
    """Call it to make the database itself refuse every write from then on, as a read-only
    replica or a disk remounted read-only would: on PostgreSQL the session's transactions become
    read-only, on SQLite the connection becomes query-only. The requests of the test client run
    on this same connection (``transactional_db``: no test transaction around them)."""
    statements = {
        "postgresql": (
            "SET default_transaction_read_only = on",
            "SHOW default_transaction_read_only",
        ),
        "sqlite": ("PRAGMA query_only = ON", "PRAGMA query_only"),
    }
    switch_on, show = statements[connection.vendor]

    def make_read_only():
        with connection.cursor() as cursor:
            cursor.execute(switch_on)
            cursor.execute(show)
            assert str(cursor.fetchone()[0]).lower() in ("on", "1")

    yield make_read_only
    if connection.vendor == "postgresql":
        connection.close()  # the next connection is a fresh, writable session
    else:
        with connection.cursor() as cursor:  # the in-memory test database stays open
            cursor.execute("PRAGMA query_only = OFF")


def test_registration_on_a_read_only_database(user, malang, read_only_database):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    read_only_database()
    # Reads still work: the form opens.
    assert client.get(reverse("villages:kim_create")).status_code == 200
    response = client.post(
        reverse("villages:kim_create"),
        {
            "kecamatan": "35.07.08",
            "desa": "35.07.08.2001",
            "name": "KIM Hanya Baca",
            "formed_on": "2024-01-01",
            "member_count": "10",
        },
    )
    # SQLite says OperationalError, PostgreSQL SQLSTATE 25006: both are an unavailable database.
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Layanan sementara tidak tersedia" in response.content.decode()
    assert "tidak ada data yang tersimpan sebagian" in response.content.decode()
    assert not KIM.objects.exists()
    assert not KIMStatusChange.objects.exists()
    assert not KIM.history.exists()


def test_unreachable_database_gets_503_and_a_bug_gets_500(user, malang, monkeypatch):
    """While the database refuses connections (PostgreSQL restarting: ``bench/pg_restart.sh``
    shows it for real), every page answers 503 with Retry-After and says it is temporary; an
    error of the application itself stays a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(user)

    def refuse():
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    with monkeypatch.context() as patch:
        patch.setattr(connection, "ensure_connection", refuse)
        for url in (reverse("dashboard"), reverse("villages:kim_list"), reverse("login")):
            response = client.get(url)
            assert response.status_code == 503, url
            assert response["Retry-After"] == "30"
            assert "Layanan sementara tidak tersedia" in response.content.decode()
        # In the language the user chose, like every other page.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get(reverse("dashboard"))
        assert response.status_code == 503
        assert "Service temporarily unavailable" in response.content.decode()
        del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert client.get(reverse("dashboard")).status_code == 200

    def bug(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("reports.views.coverage.summary", bug)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Terjadi kesalahan pada server" in response.content.decode()


def test_an_outage_logs_one_line_per_request_and_a_bug_its_traceback(
    user, malang, monkeypatch, caplog
):
    """While PostgreSQL restarts, each 503 is one log line without a traceback (the probe saw
    549 lines for 182 requests); an error of the application keeps its traceback."""
    client = Client(raise_request_exception=False)
    client.force_login(user)

    def refuse():
        raise OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?\n"
        )

    urls = [reverse("dashboard"), reverse("villages:kim_list"), "/desa/baris%0Abaru/"]
    with monkeypatch.context() as patch, caplog.at_level(logging.INFO):
        patch.setattr(connection, "ensure_connection", refuse)
        for url in urls:
            assert client.get(url).status_code == 503
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == len(urls)
    lines = [logging.Formatter().format(record) for record in records]
    assert all(record.exc_info is None for record in records)
    assert all("\n" not in line for line in lines)
    assert lines[0] == (
        "503 GET /: database unavailable (OperationalError: connection to server at "
        '"127.0.0.1", port 5432 failed: Connection refused)'
    )
    assert "/desa/baris\\nbaru/" in lines[2]

    caplog.clear()

    def bug(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("reports.views.coverage.summary", bug)
    with caplog.at_level(logging.INFO):
        assert client.get(reverse("dashboard")).status_code == 500
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.exc_info is not None
    assert "ValueError: a bug" in logging.Formatter().format(record)


# --- An import killed in the middle of its transaction ------------------------------------------


@pytest.fixture
def scratch(tmp_path):
    """A database of its own that ``manage.py`` in a subprocess writes to (see tests.scratch)."""
    with ScratchDatabase(tmp_path) as database:
        yield database


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def kim_rows(scratch, count, prefix):
    """``count`` KIM spread over every desa of Kabupaten Malang."""
    desa = [code for (code,) in scratch.query("SELECT code FROM villages_desa ORDER BY code")]
    return [
        (desa[i % len(desa)], f"{prefix} {i:04d}", "2024-01-01", "Ketua Uji", "10")
        for i in range(count)
    ]


KIM_HEADER = ("kode_desa", "nama_kim", "tanggal_pembentukan", "nama_ketua", "jumlah_anggota")


def kill_while_writing(scratch, tmp_path, *args, table, rows):
    """Run ``manage.py ARGS`` and SIGKILL it while its one transaction is open and has written
    rows into ``table``, watched from outside the process:

    - PostgreSQL: its backend (found by the application_name of its connection) is inside a
      transaction holding a write lock on ``table``, and the id sequence of ``table`` (which
      transactions do not roll back) shows that at least half the ``rows`` were inserted;
    - SQLite: its rollback journal has appeared (a write transaction has changed pages), and
      is still there after the kill: a COMMIT would have deleted it.
    """
    name = f"kim-kill-{uuid.uuid4().hex[:8]}"
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed below)
    process = scratch.popen(*args, application_name=name, stdout=log, stderr=subprocess.STDOUT)
    if scratch.vendor == "postgresql":
        sequence = scratch.value("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        probe = f"""
            SELECT s.last_value, s.is_called,
                   EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.granted
                           AND l.relation = %s::regclass AND l.mode = 'RowExclusiveLock')
            FROM pg_stat_activity a, {sequence} s
            WHERE a.application_name = %s AND a.datname = current_database()
              AND a.xact_start IS NOT NULL"""

        def writing():
            found = scratch.query(probe, [table, name])
            return bool(found) and found[0][1] and found[0][2] and found[0][0] >= rows // 2

    else:
        journal = scratch.path.with_name(scratch.path.name + "-journal")

        def writing():
            try:
                return journal.stat().st_size > 0
            except FileNotFoundError:
                return False

    try:
        deadline = time.monotonic() + 120
        while not writing():
            returncode = process.poll()
            assert returncode is None, (
                f"manage.py {args[0]} ended ({returncode}) before it was seen writing: "
                f"{(tmp_path / f'{name}.log').read_text()}"
            )
            assert time.monotonic() < deadline, f"manage.py {args[0]} never started writing"
            time.sleep(0.005)  # polling interval, not synchronisation
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        log.close()

    if scratch.vendor == "postgresql":
        # The server notices the lost client and rolls its transaction back.
        deadline = time.monotonic() + 30
        while scratch.query("SELECT 1 FROM pg_stat_activity WHERE application_name = %s", [name]):
            assert time.monotonic() < deadline, "the killed import's backend is still there"
            time.sleep(0.01)
        # Rows were inserted (in batches: ``services.register_kims``), none committed.
        written = scratch.value(f"SELECT last_value FROM {sequence}")
        assert rows // 2 <= written <= rows
    else:
        assert journal.exists(), "the import committed before it was killed"


def test_kim_import_killed_mid_write_leaves_nothing(scratch, tmp_path):
    # Enough rows for the write (the bulk inserts, the history, the figures) to last long
    # enough to be caught from outside.
    rows = 2000
    kim_file = write_csv(tmp_path / "kim-besar.csv", KIM_HEADER, kim_rows(scratch, rows, "KIM"))
    args = ("import_kim", str(kim_file), "--user", OFFICER)

    kill_while_writing(scratch, tmp_path, *args, table="villages_kim", rows=rows)
    for table in ("villages_kim", "villages_kimstatuschange", "villages_historicalkim"):
        assert scratch.count(table) == 0, table

    result = scratch.manage(*args)
    assert f"{rows} KIM baru, 0 diperbarui, 0 tidak berubah" in result.stdout
    assert scratch.count("villages_kim") == rows
    assert scratch.count("villages_kimstatuschange") == rows
    assert (
        scratch.value(
            "SELECT COUNT(*) FROM villages_historicalkim WHERE history_change_reason = %s",
            ["Impor berkas kim-besar.csv"],
        )
        == rows
    )
    assert scratch.count("villages_historicalkim") == rows


def test_activity_import_killed_mid_write_leaves_nothing(scratch, tmp_path):
    kims = kim_rows(scratch, 40, "KIM Aktif")
    kim_file = write_csv(tmp_path / "kim.csv", KIM_HEADER, kims)
    scratch.manage("import_kim", str(kim_file), "--user", OFFICER)
    first = datetime.date(2024, 2, 1)
    activities = [
        (
            code,
            name,
            (first + datetime.timedelta(days=day)).isoformat(),
            kind,
            f"Kegiatan uji {day} {name}",
        )
        for code, name, *_rest in kims
        for day, kind in enumerate(["diskusi", "diseminasi", "aspirasi", "pelatihan"] * 3)
    ]
    rows = len(activities)
    activity_file = write_csv(
        tmp_path / "kegiatan.csv",
        ("kode_desa", "nama_kim", "tanggal_kegiatan", "jenis_kegiatan", "uraian"),
        activities,
    )
    args = ("import_activities", str(activity_file), "--user", OFFICER)

    kill_while_writing(scratch, tmp_path, *args, table="villages_kimactivity", rows=rows)
    assert scratch.count("villages_kimactivity") == 0
    assert scratch.count("villages_historicalkimactivity") == 0
    assert scratch.count("villages_historicalkim") == len(kims)

    result = scratch.manage(*args)
    assert f"{rows} kegiatan baru, 0 sudah tercatat" in result.stdout
    assert scratch.count("villages_kimactivity") == rows
    assert scratch.count("villages_historicalkimactivity") == rows


# --- PostgreSQL backup and restore: the documented pg_dump / pg_restore pair ------------------

FIGURES_OF_EVERY_MONTH = """
import calendar, datetime, json
from reports import coverage
rows = []
for year in range(2016, 2027):
    for month in range(1, 13):
        on = datetime.date(year, month, calendar.monthrange(year, month)[1])
        if on > datetime.date.today():
            break
        s = coverage.summary(on)
        needing = coverage.kim_needing_check_first(on)
        rows.append([on.isoformat(), s.kim_formed, s.kim_active, s.desa_covered, s.kim_mandiri,
                     s.kecamatan_without_active_kim, needing[0].total if needing else 0])
print(json.dumps(rows))
"""


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump/pg_restore: the PostgreSQL backup pair"
)
def test_pg_dump_and_pg_restore_give_the_same_figures_for_every_month(tmp_path):
    """docs/deploy.md's pair, run as an operator would: ``pg_dump --format=custom`` of a
    database with the demo history, ``pg_restore`` into a new empty database, and the app on
    the restored database gives the same figures for every month since 2016."""
    import json
    import shutil

    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump and pg_restore are needed (postgresql-client)")
    with ScratchDatabase(tmp_path) as original:
        original.manage("load_demo", "-v", "0")
        before = json.loads(
            original.manage("shell", "-c", FIGURES_OF_EVERY_MONTH).stdout.splitlines()[-1]
        )
        assert len(before) > 100
        assert before[-1][1] == 250
        dump = tmp_path / "kimtracker.dump"
        connection_args = ["--host", original.params["host"], "--port", original.params["port"]]
        if original.params["user"]:
            connection_args += ["--username", original.params["user"]]
        subprocess.run(
            ["pg_dump", *connection_args, "--format=custom", f"--file={dump}", original.name],
            check=True,
            timeout=120,
        )
        restored = ScratchDatabase(tmp_path)
        restored._admin(f'CREATE DATABASE "{restored.name}"')
        try:
            subprocess.run(
                [
                    "pg_restore",
                    *connection_args,
                    "--no-owner",
                    f"--dbname={restored.name}",
                    str(dump),
                ],
                check=True,
                timeout=120,
            )
            after = json.loads(
                restored.manage("shell", "-c", FIGURES_OF_EVERY_MONTH).stdout.splitlines()[-1]
            )
            assert after == before
            assert restored.count("villages_kim") == original.count("villages_kim") == 250
        finally:
            restored.__exit__(None, None, None)
