"""The rules of the registry, refused with a clear message by the services (full_clean) and,
where a database can hold them, by the database itself."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reports.models import Target
from reports.services import set_target
from villages import services
from villages.models import KIM, Desa, Kecamatan, KIMStatusChange

from ..factories import DesaFactory, KecamatanFactory, KIMFactory


def messages(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def test_kecamatan_and_desa_codes_are_unique(db):
    kecamatan = KecamatanFactory(code="35.07.08")
    DesaFactory(kecamatan=kecamatan, code="35.07.08.2001")
    duplicate = Kecamatan(code="35.07.08", name="Lain", kabupaten=kecamatan.kabupaten)
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "Sudah ada kecamatan dengan kode ini." in messages(excinfo)
    with pytest.raises(ValidationError, match="Sudah ada desa/kelurahan dengan kode ini"):
        Desa(code="35.07.08.2001", name="X", kecamatan=kecamatan, kind="desa").full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Desa.objects.create(code="35.07.08.2001", name="X", kecamatan=kecamatan, kind="desa")


def test_malformed_codes_and_kinds_are_refused(db):
    kecamatan = KecamatanFactory(code="35.07.08")
    with pytest.raises(ValidationError, match="NN.NN.NN.NNNN"):
        Desa(code="35.7.8.1", name="X", kecamatan=kecamatan, kind="desa").full_clean()
    with pytest.raises(ValidationError, match="bukan pilihan yang valid"):
        Desa(code="35.07.08.2001", name="X", kecamatan=kecamatan, kind="dusun").full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Desa.objects.create(code="35.07.08.2001", name="X", kecamatan=kecamatan, kind="dusun")


def test_kim_name_is_unique_within_its_desa_ignoring_case(user):
    kim = KIMFactory(name="KIM Sukoanyar")
    with pytest.raises(ValidationError) as excinfo:
        services.register_kim(desa=kim.desa, name="kim SUKOANYAR", formed_on=kim.formed_on, by=user)
    assert "Sudah ada KIM dengan nama ini di desa/kelurahan ini." in messages(excinfo)
    assert KIM.objects.count() == 1
    # The database refuses it too, even past the service.
    with transaction.atomic(), pytest.raises(IntegrityError):
        KIM.objects.create(desa=kim.desa, name="Kim Sukoanyar", formed_on=kim.formed_on)
    # The same name in another desa is fine.
    services.register_kim(
        desa=DesaFactory(), name="KIM Sukoanyar", formed_on=kim.formed_on, by=user
    )
    assert KIM.objects.count() == 2


@pytest.mark.parametrize("count", [0, 2, 31, 500])
def test_member_count_outside_default_limits_is_refused(user, count):
    desa = DesaFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.register_kim(
            desa=desa,
            name="KIM A",
            formed_on=datetime.date(2024, 1, 1),
            by=user,
            member_count=count,
        )
    assert "Jumlah anggota harus antara 3 dan 30 orang." in messages(excinfo)
    assert not KIM.objects.exists()


def test_member_count_limits_come_from_settings(user, settings):
    settings.KIM_MEMBER_COUNT_MIN, settings.KIM_MEMBER_COUNT_MAX = 10, 50
    desa = DesaFactory()
    with pytest.raises(ValidationError, match="antara 10 dan 50"):
        services.register_kim(
            desa=desa, name="KIM A", formed_on=datetime.date(2024, 1, 1), by=user, member_count=5
        )
    kim = services.register_kim(
        desa=desa, name="KIM A", formed_on=datetime.date(2024, 1, 1), by=user, member_count=45
    )
    assert kim.member_count == 45


def test_member_count_below_one_is_refused_by_the_database(db):
    kim = KIMFactory()
    with transaction.atomic(), pytest.raises(IntegrityError):
        KIM.objects.filter(pk=kim.pk).update(member_count=0)


def test_formation_date_in_the_future_is_refused(user):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.register_kim(desa=DesaFactory(), name="KIM A", formed_on=tomorrow, by=user)
    assert "tidak boleh di masa depan" in messages(excinfo)
    assert not KIM.objects.exists()


def test_status_change_before_formation_is_refused(user):
    kim = KIMFactory(formed_on=datetime.date(2022, 5, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.record_status_change(
            kim=kim, effective_on=datetime.date(2022, 4, 30), by=user, is_active=False
        )
    assert "tidak boleh sebelum tanggal pembentukan KIM (2022-05-01)" in messages(excinfo)
    assert kim.status_changes.count() == 1


def test_status_change_must_change_something(user):
    kim = KIMFactory()
    with pytest.raises(ValidationError, match="harus mengubah tingkat, status aktif"):
        services.record_status_change(kim=kim, effective_on=datetime.date(2023, 1, 1), by=user)
    with pytest.raises(ValidationError, match="sudah berlaku"):
        services.record_status_change(
            kim=kim, effective_on=datetime.date(2023, 1, 1), by=user, is_active=True, level="pemula"
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        KIMStatusChange.objects.create(kim=kim, effective_on=datetime.date(2023, 1, 1))
    assert kim.status_changes.count() == 1


def test_inactive_kim_needs_its_date_in_the_database(db):
    kim = KIMFactory()
    with transaction.atomic(), pytest.raises(IntegrityError):
        KIM.objects.filter(pk=kim.pk).update(is_active=False)


def test_target_rules(user):
    set_target(year=2023, kim_count=240, by=user)
    set_target(year=2023, kim_count=250, by=user)
    assert Target.objects.get(year=2023).kim_count == 250
    assert Target.objects.get(year=2023).history.count() == 2
    with pytest.raises(ValidationError, match="Tahun 1990 terlalu awal"):
        set_target(year=1990, kim_count=10, by=user)
    with pytest.raises(ValidationError, match="antara 2000 dan 2100"):
        set_target(year=2101, kim_count=10, by=user)
    with pytest.raises(ValidationError, match="minimal 1"):
        set_target(year=2024, kim_count=0, by=user)
    assert Target.objects.count() == 1


def test_migration_normalises_names_without_merging(db):
    """Issue 13, finding 5: migration 0016 stores existing names in their one form, but leaves
    (and lists) those that would then collide in their desa or become empty."""
    import importlib
    import io

    from django.apps import apps

    migration = importlib.import_module("villages.migrations.0016_kim_name_normalised")
    desa, other = DesaFactory(), DesaFactory()
    day = datetime.date(2023, 1, 1)

    def kim(name, desa=desa):
        return KIM.objects.create(desa=desa, name=name, formed_on=day).pk

    plain = kim("ＫＩＭ  Maju\u200b")
    twins = [kim("KIM Sumberputih"), kim("KIM Sumberputih\u200b"), kim("kim\u00a0sumberputih")]
    elsewhere = kim("KIM Sumberputih\u00a0", desa=other)
    empty = kim("\u200b")
    out = io.StringIO()
    migration.normalise_names(apps, None, out=out)
    names = dict(KIM.objects.values_list("pk", "name"))
    assert names[plain] == "KIM Maju"
    assert names[elsewhere] == "KIM Sumberputih"
    assert [names[pk] for pk in twins] == [
        "KIM Sumberputih",
        "KIM Sumberputih\u200b",
        "kim\u00a0sumberputih",
    ]
    assert names[empty] == "\u200b"
    assert KIM.objects.count() == 6
    report = out.getvalue()
    assert "KIM names normalised: 2." in report
    assert all(f"KIM id {pk} " in report for pk in (*twins[1:], empty))
