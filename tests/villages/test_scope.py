"""Wilayah scopes (villages.scope): what a code contains, the filters every page uses, the
writes they refuse, and ``manage.py grant``."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from villages import accounts, scope, services
from villages.models import KIM, Desa, Kecamatan

from ..conftest import limit_to, user_with_role
from ..factories import UserFactory, kota_batu


def test_a_code_contains_the_codes_below_it_and_only_those():
    assert scope.contains("35.07", "35.07.08.2001")
    assert scope.contains("35", "35.07")
    assert scope.contains("35.07", "35.07")
    assert scope.contains("", "11.01")
    assert not scope.contains("35.0", "35.07")  # a code, not a text prefix
    assert not scope.contains("35.07", "35.70.01")
    assert not scope.contains("35.07.08", "35.07")


def test_a_scope_keeps_its_outermost_codes():
    assert scope.Scope.of_codes(["35.07.08", "35.07", "35.79.03"]).codes == ("35.07", "35.79.03")
    assert scope.Scope.of_codes(["35.07", ""]).is_everything
    assert scope.Scope.of_codes([]).is_empty
    inner = scope.Scope.of_codes(["35.07.08"])
    assert inner.touches("35.07")
    assert inner.touches("35")
    assert not inner.touches("35.07.07")
    assert not inner.contains("35.07")
    assert scope.Scope.of_codes(["35"]).contains_all(inner)
    assert not inner.contains_all(scope.Scope.of_codes(["35.07"]))


def test_filters_keep_exactly_the_rows_within(malang):
    kota_batu()
    wajak = scope.Scope.of_codes(["35.07.08"])
    assert set(Desa.objects.filter(wajak.q()).values_list("kecamatan__code", flat=True)) == {
        "35.07.08"
    }
    assert Kecamatan.objects.filter(scope.Scope.of_codes(["35.07"]).q()).count() == 33
    assert Kecamatan.objects.filter(scope.Scope.of_codes(["35"]).q()).count() == 34
    assert not Desa.objects.filter(scope.NOTHING.q()).exists()
    assert Desa.objects.filter(scope.EVERYTHING.q()).count() == 391


def test_a_user_without_wilayah_sees_nothing_the_superuser_everything(db):
    nobody = UserFactory(username="baru")
    assert scope.of(nobody).is_empty
    assert scope.of(UserFactory(username="root", is_superuser=True)).is_everything
    assert scope.of(None).is_everything


def test_writes_outside_the_wilayah_are_refused(malang):
    officer = user_with_role("sri", "Petugas", wilayah=("35.07.08",))
    wajak = Desa.objects.get(code="35.07.08.2001")
    poncokusumo = Desa.objects.get(code="35.07.07.2016")
    services.register_kim(
        desa=wajak, name="KIM Wajak", formed_on=datetime.date(2024, 1, 2), by=officer
    )
    with pytest.raises(PermissionDenied, match="di luar wilayah kerja Anda"):
        services.register_kim(
            desa=poncokusumo, name="KIM Luar", formed_on=datetime.date(2024, 1, 2), by=officer
        )
    limit_to(officer)  # no wilayah at all
    with pytest.raises(PermissionDenied):
        services.register_kim(
            desa=wajak, name="KIM Kedua", formed_on=datetime.date(2024, 1, 3), by=officer
        )
    assert KIM.objects.count() == 1


def test_a_refused_write_names_nothing_outside_the_wilayah(malang):
    """The refusal reaches pages, import previews and the API: the desa of another office, its
    name and its kecamatan are not the user's to learn from it."""
    officer = user_with_role("sri", "Petugas", wilayah=("35.07.08",))
    poncokusumo = Desa.objects.get(code="35.07.07.2016")
    with pytest.raises(PermissionDenied) as refused:
        services.register_kim(
            desa=poncokusumo, name="KIM Luar", formed_on=datetime.date(2024, 1, 2), by=officer
        )
    message = str(refused.value)
    assert "di luar wilayah kerja Anda" in message
    for outside in (poncokusumo.name, poncokusumo.kecamatan.name, poncokusumo.code):
        assert outside.lower() not in message.lower()


def test_grant_sets_the_role_and_wilayah(malang):
    user = UserFactory(username="sri")
    out = io.StringIO()
    call_command(
        "grant",
        "sri",
        "--role",
        "Petugas",
        "--wilayah",
        "35.07.08",
        "--wilayah",
        "35.07.11",
        stdout=out,
    )
    assert "Kecamatan Wajak" in out.getvalue()
    assert list(user.groups.values_list("name", flat=True)) == ["Petugas"]
    assert sorted(user.wilayah_scope.values_list("code", flat=True)) == ["35.07.08", "35.07.11"]
    call_command("grant", "sri", "--role", "Manajer", "--wilayah", "35.07", stdout=out)
    assert list(user.groups.values_list("name", flat=True)) == ["Manajer"]
    assert list(user.wilayah_scope.values_list("code", flat=True)) == ["35.07"]
    # Every wilayah given and taken is in the history.
    history = user.wilayah_scope.model.history.filter(user=user)
    assert sorted(history.values_list("history_type", "code")) == [
        ("+", "35.07"),
        ("+", "35.07.08"),
        ("+", "35.07.11"),
        ("-", "35.07.08"),
        ("-", "35.07.11"),
    ]
    with pytest.raises(CommandError, match="99.99 tidak ada"):
        call_command("grant", "sri", "--role", "Staf", "--wilayah", "99.99", stdout=out)
    with pytest.raises(CommandError, match="tidak ada"):
        call_command("grant", "siapa", "--role", "Staf", "--wilayah", "35", stdout=out)
    with pytest.raises(CommandError):
        call_command("grant", "sri", "--role", "Raja", "--wilayah", "35", stdout=out)
    assert list(user.wilayah_scope.values_list("code", flat=True)) == ["35.07"]


def test_a_manajer_grants_only_within_their_own_wilayah(malang):
    kota_batu()
    manajer = user_with_role("kabid", "Manajer", wilayah=("35.07",))
    staff = UserFactory(username="staf-baru")
    accounts.set_role_and_wilayah(staff, role="Staf", codes=["35.07.08"], by=manajer)
    assert list(staff.wilayah_scope.values_list("code", flat=True)) == ["35.07.08"]
    with pytest.raises(PermissionDenied, match="di luar wilayah Anda"):
        accounts.set_role_and_wilayah(staff, role="Staf", codes=["35.79"], by=manajer)
    batu = user_with_role("batu", "Staf", wilayah=("35.79",))
    with pytest.raises(PermissionDenied, match="di luar wilayah Anda"):
        accounts.set_role_and_wilayah(batu, role="Staf", codes=["35.07.08"], by=manajer)
    officer = user_with_role("petugas-x", "Petugas", wilayah=("35.07",))
    with pytest.raises(PermissionDenied, match="Hanya Manajer"):
        accounts.set_role_and_wilayah(staff, role="Staf", codes=["35.07"], by=officer)
    with pytest.raises(ValidationError):
        accounts.set_role_and_wilayah(staff, role="Staf", codes=[], by=manajer)
