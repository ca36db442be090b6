"""The services that write KIM: the timeline, the mirrored current status, the history."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from villages import services
from villages.choices import KIMLevel
from villages.models import KIM

from ..factories import DesaFactory, KIMFactory

D = datetime.date


def test_register_opens_the_timeline_and_the_history(user):
    kim = services.register_kim(
        desa=DesaFactory(),
        name="  KIM Maju  ",
        formed_on=D(2021, 3, 4),
        by=user,
        member_count=12,
        chair_name="Siti",
    )
    assert kim.name == "KIM Maju"
    (opening,) = kim.status_changes.all()
    assert (opening.effective_on, opening.level, opening.is_active, opening.recorded_by) == (
        D(2021, 3, 4),
        KIMLevel.PEMULA,
        True,
        user,
    )
    (record,) = kim.history.all()
    assert (record.history_type, record.history_user) == ("+", user)


def test_unknown_fields_are_a_programming_error(user):
    with pytest.raises(TypeError):
        services.register_kim(
            desa=DesaFactory(), name="KIM", formed_on=D(2021, 1, 1), by=user, level_on="mandiri"
        )


def test_status_changes_keep_the_current_fields_in_step(user):
    kim = KIMFactory(formed_on=D(2020, 1, 1), by=user)
    services.record_status_change(
        kim=kim, effective_on=D(2021, 1, 1), by=user, level=KIMLevel.BERKEMBANG
    )
    services.record_status_change(
        kim=kim, effective_on=D(2023, 7, 1), by=user, is_active=False, note="Pengurus pindah"
    )
    kim.refresh_from_db()
    assert (kim.level, kim.is_active, kim.inactive_since) == (
        KIMLevel.BERKEMBANG,
        False,
        D(2023, 7, 1),
    )
    # A back-dated deactivation earlier than the first moves "inactive since" back.
    services.record_status_change(kim=kim, effective_on=D(2022, 6, 1), by=user, is_active=False)
    kim.refresh_from_db()
    assert kim.inactive_since == D(2022, 6, 1)
    services.record_status_change(
        kim=kim, effective_on=D(2024, 2, 1), by=user, is_active=True, note="Dihidupkan kembali"
    )
    kim.refresh_from_db()
    assert (kim.is_active, kim.inactive_since) == (True, None)
    assert kim.status_changes.count() == 5
    assert [h.history_user for h in kim.history.all()] == [user] * 5


def test_status_as_of_a_date_reads_the_timeline(user):
    kim = KIMFactory(formed_on=D(2020, 1, 1))
    services.record_status_change(
        kim=kim, effective_on=D(2021, 1, 1), by=user, level=KIMLevel.BERKEMBANG
    )
    services.record_status_change(kim=kim, effective_on=D(2023, 7, 1), by=user, is_active=False)

    def on(day):
        row = KIM.objects.with_status_on(day).get(pk=kim.pk)
        return row.level_on, row.active_on

    assert on(D(2019, 12, 31)) == (None, False)
    assert on(D(2020, 1, 1)) == (KIMLevel.PEMULA, True)
    assert on(D(2021, 1, 1)) == (KIMLevel.BERKEMBANG, True)
    assert on(D(2023, 6, 30)) == (KIMLevel.BERKEMBANG, True)
    assert on(D(2023, 7, 1)) == (KIMLevel.BERKEMBANG, False)
    assert services.status_on(kim, D(2023, 7, 1)) == (KIMLevel.BERKEMBANG, False, D(2023, 7, 1))
    assert KIM.objects.active_on(D(2023, 6, 30)).count() == 1
    assert KIM.objects.active_on(D(2023, 7, 1)).count() == 0


def test_update_kim_keeps_rules_and_moves_the_opening_entry(user):
    kim = KIMFactory(formed_on=D(2020, 1, 1))
    services.record_status_change(
        kim=kim, effective_on=D(2021, 1, 1), by=user, level=KIMLevel.BERKEMBANG
    )
    services.update_kim(kim=kim, by=user, formed_on=D(2019, 6, 1), member_count=20)
    kim.refresh_from_db()
    assert kim.formed_on == D(2019, 6, 1)
    assert kim.status_changes.first().effective_on == D(2019, 6, 1)
    with pytest.raises(ValidationError, match="setelah perubahan status pertama"):
        services.update_kim(kim=kim, by=user, formed_on=D(2021, 6, 1))
    with pytest.raises(ValidationError, match="Jumlah anggota"):
        services.update_kim(kim=kim, by=user, member_count=99)
    kim.refresh_from_db()
    assert (kim.formed_on, kim.member_count) == (D(2019, 6, 1), 20)
    assert kim.history.first().history_user == user


def test_loose_fields_are_refused_or_normalised_by_the_services(user):
    """Issue 13, finding 6, on the paths without a form of ours (the admin, commands): text
    fields have a maximum, phone digits of any script become ASCII or are refused."""
    desa = DesaFactory()
    with pytest.raises(ValidationError) as refused:
        services.register_kim(
            desa=desa, name="KIM Panjang", formed_on=D(2021, 3, 4), by=user, address="x" * 501
        )
    assert "address" in refused.value.message_dict
    assert not KIM.objects.exists()
    kim = services.register_kim(
        desa=desa,
        name="KIM Maju",
        formed_on=D(2021, 3, 4),
        by=user,
        chair_phone="+62٨١٢٣٤٥٦٧٨٩٠",
        treasurer_phone="０８１２３４５６７８９０",
    )
    assert (kim.chair_phone, kim.treasurer_phone) == ("+6281234567890", "+6281234567890")
    with pytest.raises(ValidationError) as refused:
        services.update_kim(kim=kim, by=user, secretary_phone="٠٨١٢-٣٤٥٦-ABCD")
    assert "secretary_phone" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.record_status_change(
            kim=kim, effective_on=D(2022, 1, 1), is_active=False, note="x" * 2001, by=user
        )
    assert "note" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.void_kim(kim=kim, reason="x" * 2001, by=user)
    kim.refresh_from_db()
    assert (kim.version, kim.is_active, kim.voided_at) == (1, True, None)


def test_dates_before_the_earliest_are_refused_by_every_service(user, settings):
    """Issue 13, finding 3: formation, status change and activity dates before
    KIM_EARLIEST_DATE, on the paths without a form (admin, commands, imports)."""
    desa = DesaFactory()
    with pytest.raises(ValidationError) as refused:
        services.register_kim(desa=desa, name="KIM Kuno", formed_on=D(1, 1, 1), by=user)
    assert "formed_on" in refused.value.message_dict
    kim = services.register_kim(desa=desa, name="KIM Maju", formed_on=D(2005, 3, 4), by=user)
    # The office moves the earliest date later; the KIM already registered stays as it is.
    settings.KIM_EARLIEST_DATE = D(2010, 1, 1)
    with pytest.raises(ValidationError) as refused:
        services.record_status_change(
            kim=kim, effective_on=D(2006, 1, 1), is_active=False, note="x", by=user
        )
    assert "effective_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.record_activity(
            kim=kim, occurred_on=D(2006, 1, 1), kind="diskusi", description="Rapat", by=user
        )
    assert "occurred_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.update_kim(kim=kim, by=user, sk_date=D(2009, 1, 1))
    assert "sk_date" in refused.value.message_dict
    kim.refresh_from_db()
    assert (kim.version, kim.is_active, kim.sk_date) == (1, True, None)
    assert not kim.activities.exists()


def test_names_are_stored_in_one_form(user):
    """Issue 13, finding 5, for every path through the services (admin, commands)."""
    desa = DesaFactory()
    kim = services.register_kim(
        desa=desa, name=" ＫＩＭ\u00a0 Maju\u200b\ufeff ", formed_on=D(2021, 3, 4), by=user
    )
    assert kim.name == "KIM Maju"
    for name, message in [
        ("\u200b", "name"),
        ("kim maju\u200b", "name"),
        ("KIM Мaju", "name"),  # Cyrillic М
    ]:
        with pytest.raises(ValidationError) as refused:
            services.register_kim(desa=desa, name=name, formed_on=D(2021, 3, 4), by=user)
        assert message in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.update_kim(kim=kim, name="KIM Мaju", by=user)
    assert "name" in refused.value.message_dict
    assert KIM.objects.get().name == "KIM Maju"
