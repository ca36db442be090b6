"""A database of its own for tests that run the app in other processes (gunicorn, manage.py):
an SQLite file, or a throwaway PostgreSQL database next to the test database, on whichever
engine the suite runs on. The test database of pytest-django cannot be used: on SQLite it lives
in the memory of the pytest process.

The database is migrated and given the wilayah of Kabupaten Malang and two users by
``manage.py`` itself, as on a real server, and is dropped again afterwards. The test reads it
with plain SQL (``query``)."""

import os
import secrets
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# A Petugas (officer) and a Manajer (manager), with the same password.
OFFICER = "petugas-uji"
MANAGER = "manajer-uji"
PASSWORD = "Rahasia-uji-2024"

CREATE_USERS = f"""
from django.contrib.auth.models import Group, User
from kimtracker.roles import MANAJER, PETUGAS
for username, role in (({OFFICER!r}, PETUGAS), ({MANAGER!r}, MANAJER)):
    user = User.objects.create_user(username, password={PASSWORD!r})
    user.groups.add(Group.objects.get(name=role))
    user.wilayah_scope.create(code="")  # the whole country (villages.scope)
"""


class ScratchDatabase:
    """Use as a context manager: creates, migrates and loads the database on entry; stops using
    and drops it on exit."""

    def __init__(self, directory: Path):
        default = settings.DATABASES["default"]
        self.vendor = "postgresql" if default["ENGINE"].endswith("postgresql") else "sqlite"
        self.secret_key = secrets.token_urlsafe(40)
        self._pg = None
        if self.vendor == "sqlite":
            self.path = Path(directory) / "kimtracker.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"kimtracker_scratch_{uuid.uuid4().hex[:12]}"
            self.params = {
                "host": default.get("HOST") or "localhost",
                "port": str(default.get("PORT") or 5432),
                "user": default.get("USER") or "",
                "password": default.get("PASSWORD") or "",
            }
            credentials = quote(self.params["user"], safe="")
            if self.params["password"]:
                credentials += ":" + quote(self.params["password"], safe="")
            self.url = (
                f"postgres://{credentials}@{self.params['host']}:{self.params['port']}/{self.name}"
            )

    # --- Life cycle ------------------------------------------------------------------------

    def __enter__(self):
        if self.vendor == "postgresql":
            self._admin(f'CREATE DATABASE "{self.name}"')
        try:
            self.manage("migrate", "--noinput", "-v", "0")
            self.manage("load_wilayah", "-v", "0")
            self.manage("shell", "-v", "0", "-c", CREATE_USERS)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info):
        if self.vendor == "postgresql":
            if self._pg is not None:
                self._pg.close()
                self._pg = None
            self._admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            )
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')

    def _admin(self, sql, params=None):
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", connect_timeout=10, **self.params)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        finally:
            connection.close()

    # --- The app in other processes --------------------------------------------------------

    def env(self, application_name: str = "") -> dict:
        """The environment of a server or command on this database: the local settings (DEBUG
        on, so no collected static files are needed), one shared secret key, this database;
        REDIS_URL is passed on when set. ``application_name`` names the PostgreSQL
        connection, so the test can find it in ``pg_stat_activity``."""
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("DJANGO_") and k != "DATABASE_URL"
        }
        url = self.url
        if application_name and self.vendor == "postgresql":
            url += f"?application_name={quote(application_name)}"
        environment.update(
            DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="kimtracker.settings.local",
            DJANGO_SECRET_KEY=self.secret_key,
            PYTHONUNBUFFERED="1",
        )
        return environment

    def manage(self, *args, timeout=180, check=True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def popen(self, *args, application_name: str = "", **kwargs) -> subprocess.Popen:
        """``manage.py`` ARGS started in the background."""
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(application_name),
            **kwargs,
        )

    # --- Reading it from the test ------------------------------------------------------------

    def query(self, sql: str, params=()) -> list[tuple]:
        """Rows of ``sql`` (placeholders written %s), on a connection of the test's own."""
        if self.vendor == "sqlite":
            connection = sqlite3.connect(self.path, timeout=30)
            try:
                return connection.execute(sql.replace("%s", "?"), params).fetchall()
            finally:
                connection.close()
        if self._pg is None:
            import psycopg2

            self._pg = psycopg2.connect(dbname=self.name, connect_timeout=10, **self.params)
            self._pg.autocommit = True
        with self._pg.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def value(self, sql: str, params=()):
        """The single value of ``sql``."""
        [(value,)] = self.query(sql, params)
        return value

    def count(self, table: str) -> int:
        return self.value(f"SELECT COUNT(*) FROM {table}")
