import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import translation

from kimtracker.roles import MANAJER, PETUGAS, STAF, sync_roles

from .factories import UserFactory
from .snapshot import TableSnapshot


@pytest.fixture(autouse=True)
def indonesian():
    """Each test starts in the default language, whatever a previous request activated."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def user_with_role(username: str, role: str, wilayah: tuple[str, ...] = ("",)):
    """A user in one of the role groups (re-created if a transactional test flushed them),
    working within ``wilayah`` (default the whole country, as every user did before wilayah
    scopes)."""
    if not Group.objects.filter(name=role).exists():
        sync_roles()
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    for code in wilayah:
        user.wilayah_scope.create(code=code)
    return user


def limit_to(user, *codes: str) -> None:
    """Let ``user`` work only within the wilayah ``codes`` (kecamatan, kabupaten, provinsi)."""
    from villages import scope

    user.wilayah_scope.all().delete()
    for code in codes:
        user.wilayah_scope.create(code=code)
    scope.forget(user)


@pytest.fixture
def user(db):
    """A Petugas (officer) working in the whole country: may write everywhere."""
    return user_with_role("petugas", PETUGAS)


@pytest.fixture
def staf(db):
    return user_with_role("staf", STAF)


@pytest.fixture
def manajer(db):
    return user_with_role("manajer", MANAJER)


def _load_wilayah():
    call_command("load_wilayah", stdout=io.StringIO())


def _load_demo():
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture(scope="session")
def malang_snapshot(django_db_setup, django_db_blocker) -> list[TableSnapshot]:
    """What `load_wilayah` writes, run once per test session (see tests/snapshot.py)."""
    with django_db_blocker.unblock():
        return TableSnapshot.capture(_load_wilayah)


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker) -> list[TableSnapshot]:
    """What `load_wilayah` then `load_demo` write, run once per test session. Captured
    together: on PostgreSQL ids drawn in one capture are not those of another."""
    with django_db_blocker.unblock():
        return TableSnapshot.capture(_load_wilayah, _load_demo)


@pytest.fixture
def malang(request, db, malang_snapshot):
    """The bundled wilayah of Kabupaten Malang: 33 kecamatan, 390 desa, as `load_wilayah`
    writes them (restored from the session's snapshot)."""
    if "demo" not in request.fixturenames:
        for snapshot in malang_snapshot:
            snapshot.restore()


@pytest.fixture
def demo(malang, demo_snapshot):
    """The wilayah and the synthetic KIM history of `load_demo`, restored from the session's
    snapshot (`tests/reports/test_demo.py` runs the command itself)."""
    for snapshot in demo_snapshot:
        snapshot.restore()


@pytest.fixture
def staff_client(client, staf):
    """A logged-in Staf: reads every page, writes nothing."""
    client.force_login(staf)
    return client


@pytest.fixture
def officer_client(client, user):
    """A logged-in Petugas."""
    client.force_login(user)
    return client
