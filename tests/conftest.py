import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import translation

from kimtracker.roles import MANAJER, PETUGAS, STAF, sync_roles

from .factories import UserFactory


@pytest.fixture(autouse=True)
def indonesian():
    """Each test starts in the default language, whatever a previous request activated."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def user_with_role(username: str, role: str):
    """A user in one of the role groups (re-created if a transactional test flushed them)."""
    if not Group.objects.filter(name=role).exists():
        sync_roles()
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def user(db):
    """A Petugas (officer) with no kecamatan assignment: may write everywhere."""
    return user_with_role("petugas", PETUGAS)


@pytest.fixture
def staf(db):
    return user_with_role("staf", STAF)


@pytest.fixture
def manajer(db):
    return user_with_role("manajer", MANAJER)


@pytest.fixture
def malang(db):
    """The bundled wilayah of Kabupaten Malang: 33 kecamatan, 390 desa."""
    call_command("load_wilayah", stdout=io.StringIO())


@pytest.fixture
def demo(malang):
    """The synthetic KIM history of `load_demo` over the real wilayah."""
    call_command("load_demo", stdout=io.StringIO())


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
