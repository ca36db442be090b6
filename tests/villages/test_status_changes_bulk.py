"""``record_status_changes``: many dated status entries at once (the province demo) write what
the same entries through ``record_status_change`` one after the other write, refuse what it
refuses (all or nothing), and cost a few queries whatever their number."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villages import services
from villages.choices import KIMLevel
from villages.models import KIM, KIMStatusChange

from ..conftest import limit_to
from ..factories import DesaFactory, KecamatanFactory, KIMFactory
from .test_timeline import assert_structure_follows_the_timeline

D = datetime.date


def changes_for(kims: list[KIM]) -> list[dict]:
    """Per KIM: Berkembang, deactivated, revived, Mandiri (the last entries of one day in the
    order given), in an order mixing the KIM."""
    steps = [
        (D(2021, 3, 1), {"level": KIMLevel.BERKEMBANG}),
        (D(2022, 5, 1), {"is_active": False}),
        (D(2023, 2, 1), {"is_active": True}),
        (D(2023, 2, 1), {"level": KIMLevel.MANDIRI}),
    ]
    return [
        {"kim": kim, "effective_on": day, "note": f"langkah {number}", **values}
        for number, (day, values) in enumerate(steps)
        for kim in kims
    ]


def state(kims: list[KIM]) -> list[tuple]:
    rows = []
    for kim in KIM.objects.filter(pk__in=[k.pk for k in kims]).order_by("pk"):
        rows.append(
            (
                kim.level,
                kim.is_active,
                kim.inactive_since,
                [
                    (s.effective_on, s.level, s.is_active, s.note)
                    for s in kim.status_changes.order_by("effective_on", "id")
                ],
            )
        )
    return rows


@pytest.fixture
def kims(user):
    kecamatan = [KecamatanFactory(), KecamatanFactory()]
    return [
        KIMFactory(desa=DesaFactory(kecamatan=kecamatan[i % 2]), formed_on=D(2020, 1, 1), by=user)
        for i in range(6)
    ]


def test_writes_what_one_by_one_writes(user, kims):
    one_by_one, bulk = kims[:3], kims[3:]
    for values in changes_for(one_by_one):
        services.record_status_change(by=user, **values)
    created = services.record_status_changes(changes_for(bulk), by=user)

    assert len(created) == 12
    assert state(bulk) == state(one_by_one)
    assert {k.level for k in KIM.objects.filter(pk__in=[k.pk for k in bulk])} == {"mandiri"}
    for kim in KIM.objects.filter(pk__in=[k.pk for k in bulk]):
        latest = kim.history.order_by("-history_date").first()
        assert (latest.level, latest.history_user, latest.version) == ("mandiri", user, kim.version)
    assert_structure_follows_the_timeline()


def test_a_few_queries_whatever_the_number(user, kims):
    def queries(selected):
        with CaptureQueriesContext(connection) as captured:
            services.record_status_changes(changes_for(selected), by=user)
        return len(captured)

    # Two KIM, then four, in the same two kecamatan (each kecamatan touched is recounted).
    assert queries(kims[:2]) == queries(kims[2:])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"effective_on": D(2019, 12, 31), "level": KIMLevel.BERKEMBANG}, "sebelum tanggal"),
        ({"effective_on": D(2099, 1, 1), "level": KIMLevel.BERKEMBANG}, "masa depan"),
        # The same as an entry before it in the same call: changes nothing.
        ({"effective_on": D(2021, 3, 1), "level": KIMLevel.BERKEMBANG}, "tidak ada yang berubah"),
        ({"effective_on": D(2021, 3, 1), "is_active": True}, "tidak ada yang berubah"),
    ],
)
def test_refuses_all_when_one_breaks_a_rule(user, kims, bad, message):
    before = state(kims)
    changes = changes_for(kims) + [{"kim": kims[2], **bad}]
    with pytest.raises(ValidationError, match=message) as refused:
        services.record_status_changes(changes, by=user)
    assert refused.value.entry == len(changes) - 1
    assert state(kims) == before


def test_refuses_a_kim_outside_the_users_wilayah(user, kims):
    limit_to(user, kims[0].desa.kecamatan.code)
    with pytest.raises(PermissionDenied):
        services.record_status_changes(changes_for(kims[:2]), by=user)
    assert not KIMStatusChange.objects.exclude(note="Pembentukan KIM").exists()
