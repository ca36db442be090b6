import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from .factories import UserFactory


@pytest.fixture(autouse=True)
def indonesian():
    """Each test starts in the default language, whatever a previous request activated."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def user(db):
    return UserFactory(username="petugas")


@pytest.fixture
def malang(db):
    """The bundled wilayah of Kabupaten Malang: 33 kecamatan, 390 desa."""
    call_command("load_wilayah", stdout=io.StringIO())


@pytest.fixture
def demo(malang):
    """The synthetic KIM history of `load_demo` over the real wilayah."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def staff_client(client, user):
    """A logged-in user without special permissions (the Staf role comes later)."""
    client.force_login(user)
    return client
