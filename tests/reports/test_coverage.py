"""The figures of reports.coverage on a handful of rows built for each case."""

import datetime

import pytest
from django.db.models import F

from kimtracker.dates import month_end
from reports import coverage
from reports.services import set_target
from villages import services
from villages.choices import KIMLevel
from villages.models import KIM, Desa

from ..factories import DesaFactory, KecamatanFactory, KIMFactory

D = datetime.date


@pytest.fixture
def history(user):
    """Two kecamatan (4 desa); three KIM, one promoted to Mandiri, one deactivated."""
    kecamatan = KecamatanFactory()
    desa_a, desa_b, _desa_c = DesaFactory.create_batch(3, kecamatan=kecamatan)
    DesaFactory(kecamatan=KecamatanFactory())
    first = KIMFactory(desa=desa_a, formed_on=D(2020, 1, 1))
    KIMFactory(desa=desa_a, name="KIM Kedua", formed_on=D(2021, 1, 1))
    late = KIMFactory(desa=desa_b, formed_on=D(2022, 1, 1))
    services.record_status_change(
        kim=first, effective_on=D(2021, 6, 1), by=user, level=KIMLevel.MANDIRI
    )
    services.record_status_change(kim=late, effective_on=D(2022, 6, 1), by=user, is_active=False)
    set_target(year=2022, kim_count=5, by=user)


def test_figures_follow_the_timeline(history):
    s = coverage.summary(D(2022, 3, 1))
    assert (s.kim_formed, s.kim_active, s.desa_total, s.desa_covered) == (3, 3, 4, 2)
    assert s.coverage_percent == 50.0
    assert s.kecamatan_without_active_kim == 1
    assert s.active_by_level == {"pemula": 2, "berkembang": 0, "mandiri": 1}
    assert (s.target.year, s.target_missing) == (2022, 2)

    s = coverage.summary(D(2022, 6, 1))
    assert (s.kim_formed, s.kim_active, s.desa_covered) == (3, 2, 1)
    assert s.coverage_percent == 25.0

    s = coverage.summary(D(2019, 12, 31))
    assert (s.kim_formed, s.kim_active, s.desa_covered, s.kim_mandiri) == (0, 0, 0, 0)
    assert s.kecamatan_without_active_kim == 2
    assert s.target.year == 2022  # the nearest later year with a target

    assert coverage.summary(D(2023, 1, 1)).target is None


def test_totals_agree_with_direct_counts(history):
    for on in (D(2020, 6, 1), D(2021, 12, 31), D(2022, 6, 1), D(2024, 1, 1)):
        s = coverage.summary(on)
        assert s.kim_formed == KIM.objects.formed_by(on).count()
        assert s.kim_active == KIM.objects.active_on(on).count()
        assert s.desa_covered == Desa.objects.with_coverage(on).filter(is_covered=True).count()


def test_kecamatan_coverage_counts_do_not_multiply(user):
    kecamatan = KecamatanFactory()
    desa = DesaFactory.create_batch(4, kecamatan=kecamatan)
    for i, d in enumerate(desa[:2]):
        KIMFactory(desa=d, formed_on=D(2020, 1, 1))
        KIMFactory(desa=d, name=f"KIM Lain {i}", formed_on=D(2020, 1, 1))
    row = type(kecamatan).objects.with_coverage(D(2021, 1, 1)).get(pk=kecamatan.pk)
    assert (row.desa_total, row.desa_covered, row.kim_formed, row.kim_active) == (4, 2, 4, 4)
    assert row.coverage == 50.0


def test_monthly_series_agrees_with_the_cards_at_every_month_end(demo):
    on = D(2025, 9, 24)
    series = coverage.monthly_series(on, until=D(2026, 12, 31))
    assert series.months[0] == "2017-01"
    assert series.months[-1] == "2026-12"
    index = series.months.index("2025-09")
    assert (series.formed[index], series.active[index]) == (250, 75)
    assert series.formed[index + 1] is None
    for month in ("2019-12", "2022-12", "2023-06", "2024-02", "2025-01"):
        i = series.months.index(month)
        year, m = map(int, month.split("-"))
        end = month_end(year, m)
        assert series.formed[i] == KIM.objects.formed_by(end).count()
        assert series.active[i] == KIM.objects.active_on(end).count()


def test_monthly_series_is_empty_without_kim(db):
    assert coverage.monthly_series(D(2024, 1, 1)).months == []


def test_coverage_percent_rounding():
    assert coverage.coverage_percent(215, 390) == 55.1
    assert coverage.coverage_percent(0, 0) == 0.0


def test_report_lists_agree_with_the_registry(demo, django_assert_num_queries):
    """The plain lines of the long report lists name the same KIM and desa, in the same order,
    as the queryset methods that define them, in one query each, for all or one kecamatan."""
    on = datetime.date(2024, 6, 30)
    with django_assert_num_queries(1):
        lines = coverage.kim_needing_check(on)
    expected = list(
        KIM.objects.needing_check(on)
        .for_table()
        .order_by(F("last_activity_on").asc(nulls_first=True), "name")
    )
    assert lines
    assert [
        (k.pk, k.name, k.formed_on, k.last_activity_on, k.desa.code, k.desa.kecamatan.name)
        for k in lines
    ] == [
        (k.pk, k.name, k.formed_on, k.last_activity_on, k.desa.code, k.desa.kecamatan.name)
        for k in expected
    ]
    assert lines[0].get_absolute_url() == expected[0].get_absolute_url()

    with django_assert_num_queries(1):
        desa = coverage.desa_without_active_kim(on)
    uncovered = Desa.objects.with_coverage(on).filter(is_covered=False).for_table()
    assert [d.code for d in desa] == sorted(d.code for d in uncovered)
    summary = coverage.summary(on)
    assert len(desa) == summary.desa_total - summary.desa_covered
    first = uncovered.get(code=desa[0].code)
    assert (desa[0].name, desa[0].kind, desa[0].kecamatan.code) == (
        first.name,
        first.kind,
        first.kecamatan.code,
    )
    assert desa[0].get_kind_display() == first.get_kind_display()
    assert desa[0].get_absolute_url() == first.get_absolute_url()

    wajak = "35.07.08"
    in_wajak = coverage.desa_without_active_kim(on, within=wajak)
    assert in_wajak
    assert in_wajak == [d for d in desa if d.kecamatan.code == wajak]
    code = lines[0].desa.kecamatan.code
    in_one = coverage.kim_needing_check(on, within=code)
    assert 0 < len(in_one) < len(lines)
    assert in_one == [k for k in lines if k.desa.kecamatan.code == code]


def _row(code: str) -> coverage.KecamatanCoverage:
    return coverage.KecamatanCoverage(code, code, 2, 1, 1, 1, 0, (1, 0, 0))


def test_area_runs_group_the_kecamatan_of_each_kabupaten_and_provinsi():
    codes = ["11.01.01", "11.01.02", "11.02.01", "35.07.01", "35.07.33", "35.73.01", "92.71.01"]
    assert coverage.area_runs(codes, "kabupaten") == [
        ("11.01", 0, 2),
        ("11.02", 2, 3),
        ("35.07", 3, 5),
        ("35.73", 5, 6),
        ("92.71", 6, 7),
    ]
    assert coverage.area_runs(codes, "provinsi") == [("11", 0, 3), ("35", 3, 6), ("92", 6, 7)]
    assert coverage.area_runs([], "provinsi") == []


def test_areas_add_up_to_the_summary_and_its_spans(db):
    rows = [_row(code) for code in ["35.07.01", "35.07.02", "35.73.01", "36.01.01"]]
    s = coverage.Summary(on=D(2024, 1, 1), kecamatan=rows, active_by_level={})
    assert (s.spans_several("provinsi"), s.spans_several("kabupaten")) == (True, True)
    one = coverage.Summary(on=s.on, kecamatan=rows[:2], active_by_level={})
    assert (one.spans_several("provinsi"), one.spans_several("kabupaten")) == (False, False)
    assert coverage.chart_level(s, 4) == "kecamatan"
    assert coverage.chart_level(s, 3) == "kabupaten"
    assert coverage.chart_level(s, 2) == "provinsi"
    by_provinsi = coverage.coverage_by_area(s, "provinsi")
    assert [(a.code, a.desa_total, a.kim_active) for a in by_provinsi] == [
        ("35", 6, 3),
        ("36", 2, 1),
    ]
    assert coverage.area_summaries(s, "kabupaten").keys() == {"35.07", "35.73", "36.01"}
    assert [k.code for k in coverage.area_summaries(s, "provinsi")["35"].kecamatan] == [
        "35.07.01",
        "35.07.02",
        "35.73.01",
    ]
