"""villages.timeline: the figures' structure (KIM status intervals, kecamatan counters, the
country's daily changes) always says what the status timeline says.

The oracle below reads nothing but ``KIMStatusChange`` rows and the KIM's formation date, desa
and void, folded the plain way; the structure is read through the queryset methods every page
uses, on many dates, after every sequence of service calls."""

import contextlib
import datetime
import io
import threading
from collections import defaultdict

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from villages import services, timeline
from villages.choices import KIMLevel
from villages.models import (
    ACTIVE_AT_LEVEL,
    KIM,
    Desa,
    Kecamatan,
    KecamatanCoverageInterval,
    KIMCountChange,
    KIMStatusChange,
    KIMStatusInterval,
)

from ..factories import DesaFactory, KecamatanFactory, KIMFactory, UserFactory

D = datetime.date
START = D(2020, 1, 1)
# Few distinct dates, so that entries often fall on the same day, on a formation date, or
# right before or after one.
DAYS = [START + datetime.timedelta(days=45 * i) for i in range(14)]


# --- the oracle: the timeline folded by hand -------------------------------------------------


def status_by_timeline(kim: KIM, on: datetime.date) -> tuple[str | None, bool] | None:
    """(level, active) of ``kim`` on ``on`` from its timeline; None when it does not count
    then (voided, or not yet formed)."""
    if kim.voided_at is not None or kim.formed_on > on:
        return None
    level, active = None, False
    for change in KIMStatusChange.objects.filter(kim=kim).order_by("effective_on", "id"):
        if change.effective_on > on:
            break
        if change.level:
            level = change.level
        if change.is_active is not None:
            active = change.is_active
    return level, active


def expected_figures(on: datetime.date):
    """Per KIM, per desa and per kecamatan, the figures of ``on`` from the timeline."""
    per_kim, per_desa = {}, defaultdict(lambda: [0, False])
    per_kecamatan = defaultdict(lambda: defaultdict(int))
    covered = defaultdict(set)
    for kim in KIM.objects.select_related("desa"):
        status = status_by_timeline(kim, on)
        per_kim[kim.pk] = status
        if status is None:
            continue
        level, active = status
        figures = per_kecamatan[kim.desa.kecamatan_id]
        per_desa[kim.desa_id][0] += 1
        figures["kim_formed"] += 1
        if active:
            per_desa[kim.desa_id][1] = True
            covered[kim.desa.kecamatan_id].add(kim.desa_id)
            figures["kim_active"] += 1
            if level:
                figures[ACTIVE_AT_LEVEL[level]] += 1
    for kecamatan_id, desa in covered.items():
        per_kecamatan[kecamatan_id]["desa_covered"] = len(desa)
    return per_kim, per_desa, per_kecamatan


def check_dates():
    days = {d for day in DAYS for d in (day - datetime.timedelta(days=1), day)}
    return sorted(d for d in days | {timezone.localdate()} if d <= timezone.localdate())


def assert_structure_follows_the_timeline():
    for on in check_dates():
        per_kim, per_desa, per_kecamatan = expected_figures(on)
        for kim in KIM.objects.with_status_on(on):
            level, active = per_kim[kim.pk] or (None, False)
            assert (kim.level_on or None, kim.active_on) == (level, active), (on, kim.pk)
        assert set(KIM.objects.active_on(on).values_list("pk", flat=True)) == {
            pk for pk, status in per_kim.items() if status and status[1]
        }, on
        for desa in Desa.objects.with_coverage(on):
            assert (desa.kim_formed, desa.is_covered) == tuple(per_desa.get(desa.pk, (0, False))), (
                on,
                desa.code,
            )
        for kecamatan in Kecamatan.objects.with_coverage(on):
            expected = per_kecamatan.get(kecamatan.pk, {})
            shown = {
                name: getattr(kecamatan, name)
                for name in ("desa_covered", "kim_formed", "kim_active", *ACTIVE_AT_LEVEL.values())
            }
            assert shown == {name: expected.get(name, 0) for name in shown}, (on, kecamatan.code)
            assert kecamatan.desa_total == Desa.objects.filter(kecamatan=kecamatan).count()
        # The country's daily changes add up to the counts of the day.
        changes = KIMCountChange.objects.filter(day__lte=on)
        assert sum(changes.values_list("kim_formed", flat=True)) == sum(
            1 for status in per_kim.values() if status
        ), on
        assert sum(changes.values_list("kim_active", flat=True)) == sum(
            1 for status in per_kim.values() if status and status[1]
        ), on


def assert_intervals_are_maximal_and_contiguous():
    by_kim = defaultdict(list)
    for interval in KIMStatusInterval.objects.order_by("kim_id", "starts_on"):
        by_kim[interval.kim_id].append(interval)
    counted = KIM.objects.filter(voided_at__isnull=True)
    assert set(by_kim) == set(counted.values_list("pk", flat=True))
    for kim in counted.select_related("desa"):
        intervals = by_kim[kim.pk]
        assert intervals[0].starts_on == kim.formed_on
        assert intervals[-1].ends_on is None
        for before, after in zip(intervals, intervals[1:], strict=False):
            assert before.ends_on == after.starts_on
            assert (before.level, before.is_active) != (after.level, after.is_active)
        assert {(i.desa_id, i.kecamatan_id, i.formed_on) for i in intervals} == {
            (kim.desa_id, kim.desa.kecamatan_id, kim.formed_on)
        }
    assert not KIMCountChange.objects.filter(kim_formed=0, kim_active=0).exists()


def structure_rows() -> dict[str, list[tuple]]:
    """Every row of the structure, without ids."""
    return {
        "intervals": sorted(
            KIMStatusInterval.objects.values_list(
                "kim_id",
                "desa_id",
                "kecamatan_id",
                "formed_on",
                "starts_on",
                "ends_on",
                "level",
                "is_active",
            )
        ),
        "kecamatan": sorted(
            KecamatanCoverageInterval.objects.values_list(
                "kecamatan_id", "starts_on", "ends_on", *timeline.COUNTER_FIELDS
            )
        ),
        "daily": sorted(KIMCountChange.objects.values_list("day", "kim_formed", "kim_active")),
    }


# --- random histories through the services ---------------------------------------------------


@pytest.fixture
def world(user):
    """Two kecamatan, three desa, an officer who may do everything everywhere."""
    kecamatan = KecamatanFactory(code="35.07.01"), KecamatanFactory(code="35.07.02")
    desa = [
        DesaFactory(kecamatan=kecamatan[0], code="35.07.01.2001"),
        DesaFactory(kecamatan=kecamatan[0], code="35.07.01.2002"),
        DesaFactory(kecamatan=kecamatan[1], code="35.07.02.2001"),
    ]
    return {"desa": desa, "by": user}


day = st.sampled_from(DAYS)
register = st.tuples(st.just("register"), st.integers(0, 2), day)
status = st.tuples(
    st.just("status"),
    st.integers(0, 5),
    day,
    st.sampled_from(["", *KIMLevel.values]),
    st.sampled_from([None, True, False]),
)
edit_formed = st.tuples(st.just("formed_on"), st.integers(0, 5), day)
move = st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, 2))
void = st.tuples(st.just("void"), st.integers(0, 5))
histories = st.lists(
    st.one_of(register, register, status, status, status, edit_formed, move, void),
    min_size=1,
    max_size=14,
)


def run(operation, world, kims: list[KIM]):
    """One service call of a random history; a call the rules refuse changes nothing."""
    kind, *args = operation
    by = world["by"]
    if kind == "register":
        desa_index, formed_on = args
        kims.append(
            services.register_kim(
                desa=world["desa"][desa_index], name=f"KIM {len(kims)}", formed_on=formed_on, by=by
            )
        )
        return
    if not kims:
        return
    kim = kims[args[0] % len(kims)]
    if kind == "status":
        _index, effective_on, level, is_active = args
        services.record_status_change(
            kim=kim, effective_on=effective_on, level=level, is_active=is_active, by=by
        )
    elif kind == "formed_on":
        services.update_kim(kim=kim, formed_on=args[1], by=by)
    elif kind == "move":
        services.update_kim(kim=kim, desa=world["desa"][args[1]], by=by)
    elif kind == "void":
        services.void_kim(kim=kim, reason="Salah daftar", by=by)


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    # The world is built once per test; each example runs in a transaction rolled back at its
    # end, so no example sees another's KIM.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=histories)
def test_the_structure_always_equals_the_timeline(world, history):
    with transaction.atomic():
        kims: list[KIM] = []
        for operation in history:
            with contextlib.suppress(ValidationError):  # refused: nothing changes
                run(operation, world, kims)
        assert_intervals_are_maximal_and_contiguous()
        assert_structure_follows_the_timeline()
        maintained = structure_rows()
        timeline.rebuild()
        assert structure_rows() == maintained
        transaction.set_rollback(True)


# --- the services, one by one ----------------------------------------------------------------


def intervals(kim) -> list[tuple]:
    return list(kim.intervals.values_list("starts_on", "ends_on", "level", "is_active"))


def counters(kecamatan) -> list[tuple]:
    return list(
        KecamatanCoverageInterval.objects.filter(kecamatan=kecamatan)
        .order_by("starts_on")
        .values_list("starts_on", "ends_on", "desa_covered", "kim_formed", "kim_active")
    )


def daily() -> list[tuple]:
    return list(KIMCountChange.objects.values_list("day", "kim_formed", "kim_active"))


def test_registration_opens_an_interval_and_counts_the_kim(user):
    kim = KIMFactory(formed_on=D(2021, 3, 1), by=user)
    assert intervals(kim) == [(D(2021, 3, 1), None, KIMLevel.PEMULA, True)]
    assert counters(kim.desa.kecamatan) == [(D(2021, 3, 1), None, 1, 1, 1)]
    assert daily() == [(D(2021, 3, 1), 1, 1)]


def test_a_back_dated_status_change_splits_the_interval(user):
    kim = KIMFactory(formed_on=D(2021, 3, 1), by=user)
    services.record_status_change(kim=kim, effective_on=D(2022, 1, 1), is_active=False, by=user)
    services.record_status_change(
        kim=kim, effective_on=D(2021, 6, 1), level=KIMLevel.BERKEMBANG, by=user
    )
    assert intervals(kim) == [
        (D(2021, 3, 1), D(2021, 6, 1), KIMLevel.PEMULA, True),
        (D(2021, 6, 1), D(2022, 1, 1), KIMLevel.BERKEMBANG, True),
        (D(2022, 1, 1), None, KIMLevel.BERKEMBANG, False),
    ]
    assert counters(kim.desa.kecamatan) == [
        (D(2021, 3, 1), D(2021, 6, 1), 1, 1, 1),
        (D(2021, 6, 1), D(2022, 1, 1), 1, 1, 1),  # one KIM active, now at another level
        (D(2022, 1, 1), None, 0, 1, 0),
    ]
    assert daily() == [(D(2021, 3, 1), 1, 1), (D(2022, 1, 1), 0, -1)]


def test_a_formation_date_edit_moves_the_first_interval_and_the_day_counted(user):
    kim = KIMFactory(formed_on=D(2021, 3, 1), by=user)
    services.update_kim(kim=kim, formed_on=D(2020, 7, 1), by=user)
    assert intervals(kim) == [(D(2020, 7, 1), None, KIMLevel.PEMULA, True)]
    assert daily() == [(D(2020, 7, 1), 1, 1)]


def test_moving_a_kim_recounts_both_kecamatan(user):
    kim = KIMFactory(formed_on=D(2021, 3, 1), by=user)
    before = kim.desa.kecamatan
    elsewhere = DesaFactory(kecamatan=KecamatanFactory(code="35.07.30"))
    services.update_kim(kim=kim, desa=elsewhere, by=user)
    assert counters(before) == []
    assert counters(elsewhere.kecamatan) == [(D(2021, 3, 1), None, 1, 1, 1)]
    assert set(kim.intervals.values_list("desa_id", "kecamatan_id")) == {
        (elsewhere.pk, elsewhere.kecamatan_id)
    }


def test_a_second_active_kim_does_not_cover_its_desa_twice(user):
    first = KIMFactory(formed_on=D(2021, 3, 1), by=user)
    second = KIMFactory(desa=first.desa, name="KIM Kedua", formed_on=D(2021, 5, 1), by=user)
    services.record_status_change(kim=first, effective_on=D(2022, 1, 1), is_active=False, by=user)
    assert counters(first.desa.kecamatan) == [
        (D(2021, 3, 1), D(2021, 5, 1), 1, 1, 1),
        (D(2021, 5, 1), D(2022, 1, 1), 1, 2, 2),
        (D(2022, 1, 1), None, 1, 2, 1),
    ]
    services.void_kim(kim=second, reason="Salah daftar", by=user)
    assert counters(first.desa.kecamatan) == [
        (D(2021, 3, 1), D(2022, 1, 1), 1, 1, 1),
        (D(2022, 1, 1), None, 0, 1, 0),
    ]
    assert intervals(second) == []
    assert daily() == [(D(2021, 3, 1), 1, 1), (D(2022, 1, 1), 0, -1)]


def test_deleting_a_kim_takes_its_figures_with_it(user):
    kim = KIMFactory(formed_on=D(2021, 3, 1), by=user)
    kecamatan = kim.desa.kecamatan
    with pytest.raises(PermissionDenied):
        services.delete_kim(kim=kim, by=user)  # officers void; only the superuser deletes
    services.delete_kim(kim=kim, by=UserFactory(username="root", is_superuser=True))
    assert counters(kecamatan) == []
    assert daily() == []
    assert not KIMStatusInterval.objects.exists()


def test_rebuild_figures_writes_the_same_rows_again(user):
    kim = KIMFactory(formed_on=D(2021, 3, 1), by=user)
    KIMFactory(desa=kim.desa, name="KIM Kedua", formed_on=D(2021, 5, 1), by=user)
    services.record_status_change(kim=kim, effective_on=D(2022, 1, 1), is_active=False, by=user)
    maintained = structure_rows()
    KIMStatusInterval.objects.all().delete()
    KecamatanCoverageInterval.objects.all().delete()
    KIMCountChange.objects.update(kim_formed=99)
    out = io.StringIO()
    call_command("rebuild_figures", stdout=out)
    assert structure_rows() == maintained
    assert "3 interval KIM" in out.getvalue()


def test_the_demo_figures_come_from_the_structure(demo):
    """The demo is written through the services; rebuilding changes none of its rows."""
    maintained = structure_rows()
    assert len(maintained["intervals"]) > KIM.objects.count()
    timeline.rebuild()
    assert structure_rows() == maintained


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (CI runs it)"
)
def test_concurrent_writes_in_one_kecamatan_keep_the_structure_exact(transactional_db, user):
    """Officers writing at the same moment in one kecamatan (registrations in the same desa,
    back-dated deactivations, a move): each write recounts the kecamatan after the others
    committed (its row is locked first), so the counters equal a rebuild, with no deadlock."""
    kecamatan = KecamatanFactory(code="35.07.40")
    desa = [DesaFactory(kecamatan=kecamatan, code=f"35.07.40.{2001 + i}") for i in range(2)]
    kims = [
        KIMFactory(desa=desa[i % 2], name=f"KIM Awal {i}", formed_on=D(2020, 1, 1), by=user)
        for i in range(4)
    ]
    start = threading.Barrier(6, timeout=20)
    errors = []

    def write(i):
        try:
            start.wait()
            if i < 2:
                services.register_kim(
                    desa=desa[0], name=f"KIM Serentak {i}", formed_on=D(2021, 1, 1), by=user
                )
            elif i < 5:
                services.record_status_change(
                    kim=kims[i - 2], effective_on=D(2020, 6, 1), is_active=False, by=user
                )
            else:
                services.update_kim(kim=kims[3], desa=desa[0], by=user)
        except Exception as error:  # noqa: BLE001 - reported below, with the thread
            errors.append((i, error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    maintained = structure_rows()
    timeline.rebuild()
    assert structure_rows() == maintained
    assert_structure_follows_the_timeline()
