"""Times the KIM import (issue 13, finding 9): preview (``plan``) and confirm (``run``) of 5,000
valid rows, the preview of an XLSX whose every row has one blank cell at column XFD (a sheet's
used range must not drive the work), the preview of the same file again (all unchanged) and the
confirmation of a file that corrects two details of every KIM (one value shared by every row,
one different on each) and of one that moves every formation date. Results in docs/performance.md.

    .venv/bin/python bench/imports.py                                  # SQLite, in a temp file
    .venv/bin/python bench/imports.py --database-url postgres://postgres@127.0.0.1:5432/kim_bench_imports

The database is dropped and recreated (SQLite: a temporary file)."""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _prepare_database(url: str) -> None:
    if url.startswith("postgres"):
        from urllib.parse import urlparse

        name = urlparse(url).path.lstrip("/")
        admin = url.rsplit("/", 1)[0] + "/postgres"
        import psycopg2

        connection = psycopg2.connect(admin)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
    env = {**os.environ, "DATABASE_URL": url}
    for command in (["migrate", "-v0"], ["load_wilayah"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument(
        "--settings",
        default="kimtracker.settings.production",
        help="as a gunicorn worker runs (DEBUG off); kimtracker.settings.local: DEBUG on",
    )
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-imports-not-secret")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    tmp = None
    if not args.database_url:
        handle, tmp = tempfile.mkstemp(suffix=".sqlite3")
        os.close(handle)
        args.database_url = f"sqlite:///{tmp}"
    _prepare_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    import openpyxl
    import tablib
    from django.contrib.auth.models import User

    from kimtracker.roles import sync_roles
    from villages.importing import kim as importer
    from villages.models import KIM, Desa

    sync_roles()
    user = User.objects.create_superuser("bench-import", "bench@example.org", "x")
    desa = list(Desa.objects.order_by("code").values_list("code", flat=True))
    headers = ["kode_desa", "nama_kim", "tanggal_pembentukan", "jumlah_anggota", "telepon_ketua"]
    rows = [
        [
            desa[i % len(desa)],
            f"KIM Bench {i:05d}",
            f"20{10 + i % 14}-0{1 + i % 9}-15",
            12,
            "081234567890",
        ]
        for i in range(args.rows)
    ]
    dataset = tablib.Dataset(*rows, headers=headers)
    csv_content = dataset.export("csv").encode()

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=16384, value="")
        sheet.cell(row=sheet.max_row, column=16384).number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    xlsx_content = buffer.getvalue()

    results = []

    def timed(label, function):
        start = time.perf_counter()
        value = function()
        results.append((label, time.perf_counter() - start))
        return value

    parsed = timed("read CSV", lambda: importer.read_file(csv_content, filename="kim.csv"))
    plan = timed("preview (plan)", lambda: importer.plan(parsed, by=user))
    if plan.has_errors:
        raise SystemExit(f"rows in error: {plan.errors[:3]}")
    from_xlsx = timed(
        "read XLSX (a formatted blank cell at XFD on every row)",
        lambda: importer.read_file(xlsx_content, filename="kim.xlsx"),
    )
    if [row.cells for row in from_xlsx] != [row.cells for row in parsed]:
        print("note: the XLSX rows differ from the CSV rows in their cell types")
    counts = timed("confirm (run)", lambda: importer.run(plan, by=user, filename="kim.csv"))
    if KIM.objects.count() != args.rows:
        raise SystemExit(f"imported {counts}, expected {args.rows} KIM")
    again = timed(
        "preview of the same file again (every row unchanged)",
        lambda: importer.plan(parsed, by=user),
    )
    if again.counts.unchanged != args.rows:
        raise SystemExit(f"the same file again: {again.counts}")
    for i, row in enumerate(rows):
        row[3] = 13
        row[4] = f"0813{i:08d}"
    corrected = importer.read_file(
        tablib.Dataset(*rows, headers=headers).export("csv").encode(), filename="kim.csv"
    )
    counts = timed(
        "confirm of a corrected file (jumlah_anggota and a telepon_ketua of its own on every row)",
        lambda: importer.run(corrected, by=user, filename="kim.csv"),
    )
    if counts.updated != args.rows:
        raise SystemExit(f"the corrected file: {counts}")
    for row in rows:
        row[2] = row[2][:-2] + "16"
    redated = importer.read_file(
        tablib.Dataset(*rows, headers=headers).export("csv").encode(), filename="kim.csv"
    )
    counts = timed(
        "confirm of a file that moves every formation date a day (figures recounted)",
        lambda: importer.run(redated, by=user, filename="kim.csv"),
    )
    if counts.updated != args.rows:
        raise SystemExit(f"the redated file: {counts}")
    engine = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"{args.rows} rows, {engine}, XLSX {len(xlsx_content) // 1024} KB")
    for label, seconds in results:
        print(f"| {label} | {seconds:.2f} s |")
    if tmp:
        Path(tmp).unlink()


if __name__ == "__main__":
    main()
