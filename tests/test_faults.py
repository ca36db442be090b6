"""Faults during writes: a database that refuses to write (read-only, full disk) gives a clear
error page and leaves no half-written KIM."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from villages.models import KIM, KIMStatusChange


@pytest.fixture
def broken_writes(monkeypatch):
    """The database accepts reads but every write to the status timeline fails, as a full
    disk or a read-only database would after the KIM row was inserted."""
    original = KIMStatusChange.save

    def fail(self, *args, **kwargs):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(KIMStatusChange, "save", fail)
    yield
    monkeypatch.setattr(KIMStatusChange, "save", original)


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
    assert response.status_code == 500
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
