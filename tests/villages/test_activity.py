"""KIM activity: recording it, and the computed "perlu verifikasi" state at chosen dates."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reports import coverage
from villages import services
from villages.models import KIM, Desa, Kecamatan, KIMActivity

from ..conftest import limit_to
from ..factories import KIMFactory

D = datetime.date


@pytest.fixture
def kim(user):
    return KIMFactory(formed_on=D(2023, 1, 10), by=user)


def test_needing_check_at_chosen_dates(kim, user, settings):
    settings.KIM_ACTIVITY_STALE_MONTHS = 6

    def flagged(on):
        return KIM.objects.needing_check(on).filter(pk=kim.pk).exists()

    assert not flagged(D(2023, 7, 9))  # formed less than six months before
    assert flagged(D(2023, 7, 11))  # six months and no activity
    services.record_activity(
        kim=kim, occurred_on=D(2023, 7, 1), kind="diskusi", description="Diskusi warga", by=user
    )
    assert not flagged(D(2023, 7, 11))
    assert not flagged(D(2023, 12, 31))
    assert flagged(D(2024, 1, 2))
    # The same computation, as of a past date, ignores activities recorded after it.
    services.record_activity(
        kim=kim, occurred_on=D(2024, 3, 1), kind="diseminasi", description="Liputan", by=user
    )
    assert flagged(D(2024, 2, 1))
    assert not flagged(D(2024, 3, 1))
    # An inactive KIM is not "needing check": it is already known to be inactive.
    services.record_status_change(kim=kim, effective_on=D(2024, 10, 1), by=user, is_active=False)
    assert not flagged(D(2024, 12, 1))
    settings.KIM_ACTIVITY_STALE_MONTHS = 12
    assert not flagged(D(2024, 9, 1))


def test_record_activity_rules(kim, user):
    with pytest.raises(ValidationError, match="sebelum tanggal pembentukan"):
        services.record_activity(
            kim=kim, occurred_on=D(2022, 1, 1), kind="diskusi", description="x", by=user
        )
    with pytest.raises(ValidationError, match="masa depan"):
        services.record_activity(
            kim=kim, occurred_on=D(2999, 1, 1), kind="diskusi", description="x", by=user
        )
    with pytest.raises(ValidationError, match="bukan pilihan yang valid"):
        services.record_activity(
            kim=kim, occurred_on=D(2023, 2, 1), kind="pesta", description="x", by=user
        )
    with pytest.raises(ValidationError, match="tidak boleh kosong"):
        services.record_activity(
            kim=kim, occurred_on=D(2023, 2, 1), kind="diskusi", description="  ", by=user
        )
    services.record_activity(
        kim=kim,
        occurred_on=D(2023, 2, 1),
        kind="diskusi",
        description="Rapat",
        by=user,
        link="https://example.org/a",
    )
    with pytest.raises(ValidationError, match="sudah tercatat"):
        services.record_activity(
            kim=kim, occurred_on=D(2023, 2, 1), kind="diskusi", description="Rapat", by=user
        )
    assert KIMActivity.objects.count() == 1
    assert KIMActivity.objects.get().history.first().history_user == user


def test_record_activity_permissions(kim, staf, user):
    with pytest.raises(PermissionDenied):
        services.record_activity(
            kim=kim, occurred_on=D(2023, 2, 1), kind="diskusi", description="x", by=staf
        )
    other = Kecamatan.objects.exclude(pk=kim.desa.kecamatan_id).first() or kim.desa.kecamatan
    limit_to(user, other.code)
    user = type(user).objects.get(pk=user.pk)
    if other != kim.desa.kecamatan:
        with pytest.raises(PermissionDenied):
            services.record_activity(
                kim=kim, occurred_on=D(2023, 2, 1), kind="diskusi", description="x", by=user
            )
    assert not KIMActivity.objects.exists()


def test_demo_activity_history(demo):
    on = D(2025, 9, 24)
    active = KIM.objects.active_on(on).with_last_activity(on)
    assert active.count() == 75
    assert not KIM.objects.needing_check(on).exists()  # the 75 have recent activity
    assert all(k.last_activity_on and k.last_activity_on >= D(2025, 3, 24) for k in active)
    # Most KIM deactivated by then went quiet months before their deactivation.
    inactive = KIM.objects.formed_by(on).exclude(pk__in=active.values("pk"))
    quiet = 0
    for kim in inactive.with_last_activity(on):
        if kim.last_activity_on is None or (kim.inactive_since - kim.last_activity_on).days >= 90:
            quiet += 1
    assert quiet >= 0.7 * inactive.count()
    # Nothing after the snapshot in its month; from the next month only KIM still active carry on.
    carry_on = D(2025, 10, 1)
    assert not KIMActivity.objects.filter(occurred_on__gt=on, occurred_on__lt=carry_on).exists()
    later = KIMActivity.objects.filter(occurred_on__gte=carry_on)
    assert set(later.values_list("kim", flat=True)) <= set(active.values_list("pk", flat=True))


def test_activity_form_and_kim_page(officer_client, user, malang):
    kim = services.register_kim(
        desa=Desa.objects.get(code="35.07.08.2001"),
        name="KIM Aktif",
        formed_on=D(2024, 1, 2),
        by=user,
    )
    url = reverse("villages:kim_activity", args=[kim.pk])
    response = officer_client.post(
        url, {"occurred_on": "2023-01-01", "kind": "diskusi", "description": "Rapat RT"}
    )
    assert "sebelum tanggal pembentukan" in response.content.decode()
    response = officer_client.post(
        url,
        {
            "occurred_on": "2024-05-05",
            "kind": "diseminasi",
            "description": "Liputan posyandu",
            "link": "youtube.com/watch?v=x",
        },
    )
    assert response.status_code == 302
    activity = KIMActivity.objects.get()
    assert activity.link == "https://youtube.com/watch?v=x"
    assert activity.recorded_by == user
    html = officer_client.get(kim.get_absolute_url()).content.decode()
    assert "Liputan posyandu" in html
    assert "data-activities" in html
    assert "Kegiatan terakhir: 5 Mei 2024." in html


def test_kim_page_says_once_that_there_is_no_activity(staff_client, user, malang):
    desa = Desa.objects.get(code="35.07.08.2002")
    kim = KIMFactory(by=user, desa=desa, formed_on=D(2024, 1, 2))
    html = staff_client.get(kim.get_absolute_url()).content.decode()
    assert html.count("Belum ada kegiatan tercatat.") == 1
    assert "Kegiatan terakhir" not in html


def test_dashboard_and_list_show_kim_needing_check(staff_client, demo):
    on = "2024-06-30"
    expected = coverage.kim_needing_check(D(2024, 6, 30))
    assert expected
    html = staff_client.get(reverse("dashboard"), {"tanggal": on}).content.decode()
    assert 'data-card="needing-check"' in html
    assert expected[0].name in html[html.index("data-needing-check") :]
    response = staff_client.get(
        reverse("villages:kim_list"), {"tanggal": on, "perlu_verifikasi": "ya"}
    )
    assert response.context["table"].paginator.count == len(expected)
    response = staff_client.get(
        reverse("villages:kim_list"), {"tanggal": on, "perlu_verifikasi": "tidak"}
    )
    assert response.context["table"].paginator.count == KIM.objects.formed_by(
        D(2024, 6, 30)
    ).count() - len(expected)


def test_activity_kinds_read_in_indonesian_only(officer_client, user, malang):
    kim = KIMFactory(by=user, desa=Desa.objects.get(code="35.07.08.2003"), formed_on=D(2024, 1, 2))
    html = officer_client.get(reverse("villages:kim_activity", args=[kim.pk])).content.decode()
    assert '<option value="jejaring">Jejaring</option>' in html
    assert "Networking" not in html
