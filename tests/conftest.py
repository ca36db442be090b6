import io

import pytest
from django.core.management import call_command

from .factories import UserFactory


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
