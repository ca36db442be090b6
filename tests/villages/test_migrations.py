"""Data migrations, run as ``migrate`` runs them on a database that holds rows: the schema is
taken back to the migration before, rows are written with the historical models of then, and
the migration under test is applied.

These tests use real transactions (``transaction=True``): migrating is DDL, which a test's
wrapping transaction cannot hold on every database. Each test ends by migrating forward to the
latest migrations again, whatever it asserted, so the tests after it find the schema they
expect (pytest-django then empties the tables, as after any transactional test)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("villages", "0019_activity_kind_label_jejaring")
USER_WILAYAH = ("villages", "0020_user_wilayah")


def migrate(targets):
    """Migrate to ``targets`` and return the historical apps as of them (a fresh executor
    each time: the previous one's loader knows the applied migrations of before)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator(transactional_db):
    """Yields ``migrate``; migrates to the latest migrations of every app at the end."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        yield migrate
    finally:
        MigrationExecutor(connection).migrate(latest)


def test_0020_gives_each_user_the_wilayah_they_saw(migrator):
    """An officer assigned to kecamatan keeps those kecamatan; every other user, who saw the
    whole registry before wilayah existed, keeps it (""); the superuser needs no row."""
    apps = migrator([BEFORE])
    User = apps.get_model("auth", "User")
    Provinsi = apps.get_model("villages", "Provinsi")
    Kabupaten = apps.get_model("villages", "Kabupaten")
    Kecamatan = apps.get_model("villages", "Kecamatan")
    Assignment = apps.get_model("villages", "KecamatanAssignment")
    jatim = Provinsi.objects.create(code="35", name="JAWA TIMUR")
    malang = Kabupaten.objects.create(code="35.07", name="KABUPATEN MALANG", provinsi=jatim)
    wajak = Kecamatan.objects.create(code="35.07.08", name="WAJAK", kabupaten=malang)
    tumpang = Kecamatan.objects.create(code="35.07.10", name="TUMPANG", kabupaten=malang)
    officer = User.objects.create(username="petugas-dua-kecamatan")
    single = User.objects.create(username="petugas-satu-kecamatan")
    viewer = User.objects.create(username="staf")
    inactive = User.objects.create(username="mantan", is_active=False)
    root = User.objects.create(username="root", is_superuser=True)
    Assignment.objects.create(user=officer, kecamatan=wajak)
    Assignment.objects.create(user=officer, kecamatan=tumpang)
    Assignment.objects.create(user=single, kecamatan=tumpang)

    apps = migrator([USER_WILAYAH])
    UserWilayah = apps.get_model("villages", "UserWilayah")
    rows = sorted(UserWilayah.objects.values_list("user_id", "code"))
    assert rows == sorted(
        [
            (officer.pk, wajak.code),
            (officer.pk, tumpang.code),
            (single.pk, tumpang.code),
            (viewer.pk, ""),
            (inactive.pk, ""),
        ]
    )
    assert not UserWilayah.objects.filter(user_id=root.pk).exists()
    assert "villageskecamatanassignment" not in {
        name.replace("_", "") for name in connection.introspection.table_names()
    }
