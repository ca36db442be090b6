"""Production settings: no fallback secret, and `check --deploy` clean."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management.utils import get_random_secret_key

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(DJANGO_SETTINGS_MODULE="kimtracker.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret():
    result = manage("check", DJANGO_ALLOWED_HOSTS="kim.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_passes_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="$" + get_random_secret_key(),  # "$" must not be read as a reference
        DJANGO_ALLOWED_HOSTS="kim.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_default_language_time_zone_and_database(settings):
    assert settings.LANGUAGE_CODE == "id"
    assert "en" in dict(settings.LANGUAGES)
    assert (settings.TIME_ZONE, settings.USE_TZ) == ("Asia/Jakarta", True)


def test_latest_roles_migration_matches_the_roles_table():
    """A change to kimtracker.roles needs a data migration that applies it."""
    import importlib

    from kimtracker.roles import ROLE_PERMISSIONS

    latest = importlib.import_module("villages.migrations.0021_account_events")
    assert {role: sorted(p) for role, p in latest.ROLES.items()} == {
        role: sorted(p) for role, p in ROLE_PERMISSIONS.items()
    }
