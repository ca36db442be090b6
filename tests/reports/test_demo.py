"""load_demo reproduces the published figures, each computed from the data as of its date."""

import datetime
import io
import random

import pytest
from django.core.management import CommandError, call_command

from reports import coverage
from reports import demo as demo_module
from reports.models import Target
from villages.models import KIM, Desa, Kecamatan, KIMStatusChange

from ..factories import KIMFactory

D = datetime.date


@pytest.mark.parametrize(
    ("on", "formed"),
    [(D(2019, 12, 31), 28), (D(2022, 12, 31), 187), (D(2023, 6, 25), 215), (D(2025, 9, 24), 250)],
)
def test_kim_formed_by_each_published_date(demo, on, formed):
    assert coverage.summary(on).kim_formed == formed
    assert KIM.objects.formed_by(on).count() == formed


def test_mid_2023_snapshot(demo):
    on = D(2023, 6, 25)
    assert coverage.summary(on).kim_active == 215
    with_kim = Kecamatan.objects.filter(desa__kims__in=KIM.objects.formed_by(on)).distinct()
    assert with_kim.count() == 30
    without = Kecamatan.objects.exclude(pk__in=with_kim)
    assert sorted(without.values_list("name", flat=True)) == ["Kalipare", "Kasembon", "Wajak"]
    assert coverage.summary(on).kecamatan_without_active_kim == 3
    mandiri = KIM.objects.at_level_on("mandiri", on)
    assert [(k.name, k.desa.code, k.desa.kecamatan.name) for k in mandiri] == [
        ("KIM Gubugklakah", "35.07.07.2016", "Poncokusumo")
    ]
    assert coverage.summary(on).kim_mandiri == 1


def test_september_2025_snapshot(demo):
    on = D(2025, 9, 24)
    assert KIM.objects.count() == 250
    assert coverage.summary(on).kim_active == 75
    assert KIM.objects.active_on(on).count() == 75
    # The 175 others were deactivated by dated status changes between mid-2023 and that day.
    deactivations = KIMStatusChange.objects.filter(is_active=False)
    assert deactivations.exclude(effective_on__range=(D(2023, 7, 1), on)).count() == 0
    inactive = KIM.objects.formed_by(on).exclude(pk__in=KIM.objects.active_on(on))
    assert inactive.count() == 175
    assert not inactive.exclude(pk__in=deactivations.values("kim")).exists()


def test_one_kim_per_desa_targets_and_labels(demo):
    assert KIM.objects.values("desa").distinct().count() == 250
    assert dict(Target.objects.values_list("year", "kim_count")) == {2023: 240, 2026: 390}
    assert not KIM.objects.filter(is_demo=False).exists()
    assert not KIMStatusChange.objects.exclude(note__contains="Data demo").exists()


def test_plan_is_deterministic(malang):
    desa = list(Desa.objects.select_related("kecamatan"))

    def planned(seed):
        return [(p.desa.code, p.formed_on) for p in demo_module.plan(desa, random.Random(seed))]

    assert planned(demo_module.SEED) == planned(demo_module.SEED)
    assert planned(demo_module.SEED) != planned(demo_module.SEED + 1)


def test_second_run_changes_nothing(demo):
    before = list(KIMStatusChange.objects.values_list("kim__desa__code", "effective_on"))
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "sudah dimuat" in out.getvalue()
    assert list(KIMStatusChange.objects.values_list("kim__desa__code", "effective_on")) == before


def test_refuses_next_to_real_kim_unless_forced(malang, user):
    real = KIMFactory(desa=Desa.objects.get(code="35.07.08.2001"), name="KIM Nyata", by=user)
    with pytest.raises(CommandError, match="sudah berisi 1 KIM nyata"):
        call_command("load_demo", stdout=io.StringIO())
    assert KIM.objects.count() == 1

    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert KIM.objects.count() == 1

    call_command("load_demo", "--force", stdout=io.StringIO())
    assert KIM.objects.filter(is_demo=True).count() == 250
    assert KIM.objects.get(pk=real.pk).name == "KIM Nyata"


def test_needs_the_wilayah_first(db):
    with pytest.raises(CommandError, match="load_wilayah"):
        call_command("load_demo", stdout=io.StringIO())


def test_demo_accounts_one_per_role_with_random_passwords(demo, client):
    from django.contrib.auth import get_user_model

    from reports.demo import create_demo_accounts

    users = get_user_model().objects.filter(username__endswith="-demo")
    assert {(u.username, u.groups.get().name) for u in users} == {
        ("staf-demo", "Staf"),
        ("petugas-demo", "Petugas"),
        ("manajer-demo", "Manajer"),
    }
    # Already there: kept, no password shown again.
    assert all(password is None for _u, _r, password in create_demo_accounts())
    users.delete()
    first = {u: p for u, _r, p in create_demo_accounts()}
    users.delete()
    second = {u: p for u, _r, p in create_demo_accounts()}
    assert all(first[u] and len(first[u]) >= 16 and first[u] != second[u] for u in first)
    response = client.post(
        "/akun/masuk/", {"username": "manajer-demo", "password": second["manajer-demo"]}
    )
    assert response.status_code == 302


def test_demo_carries_on_to_today_so_the_check_tile_tells_something(demo):
    """After the published months the KIM still active keep meeting up to today, a few go
    quiet: today's "perlu verifikasi" is some of the active KIM, not all of them (it was all
    75 when the demo's activity stopped at the September 2025 snapshot)."""
    from django.utils import timezone

    from villages.models import KIMActivity

    today = timezone.localdate()
    active = KIM.objects.active_on(today).count()
    assert active == 75
    assert coverage.summary(today).kim_active == 75
    flagged = KIM.objects.needing_check(today).count()
    assert 0 < flagged < active / 3
    assert not KIMActivity.objects.filter(occurred_on__gt=today).exists()
    carried_on = KIMActivity.objects.filter(occurred_on__gte=demo_module.CARRY_ON_FROM)
    assert carried_on.values("kim").distinct().count() == active
