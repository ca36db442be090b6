"""``load_demo --province``: a labelled synthetic history for the other kabupaten/kota of a
provinsi, beside the Kabupaten Malang demo whose published figures stay as they are.

The provinsi here is small and made by factories (three kabupaten/kota of Jawa Timur with three
kecamatan of eight desa each) beside the bundled Kabupaten Malang; it is built, and the command
run on it, once per session (``province_snapshot``)."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from reports import coverage, demo_province
from reports.demo import DEMO_NOTE
from reports.models import Target
from villages import scope
from villages.choices import DesaKind, KIMLevel
from villages.models import KIM, Desa, Kabupaten, Kecamatan, KIMActivity, KIMStatusChange

from ..factories import DesaFactory, KabupatenFactory, KecamatanFactory, KIMFactory
from ..snapshot import TableSnapshot

D = datetime.date
KABUPATEN = {"35.01": "KABUPATEN PACITAN", "35.73": "KOTA MALANG", "35.79": "KOTA BATU"}
KECAMATAN_PER_KABUPATEN, DESA_PER_KECAMATAN = 3, 8
DESA_NAMES = ["Sumberejo", "Karangrejo", "Tegalsari", "Wonorejo", "Sidomulyo", "Sukorejo"]
DESA_NAMES += ["Mulyoagung", "Kedungrejo"]


def small_province() -> None:
    """Three kabupaten/kota of provinsi 35 beside Kabupaten Malang, 24 desa each (the first of
    each kecamatan a kelurahan)."""
    for code, name in KABUPATEN.items():
        kabupaten = KabupatenFactory(code=code, name=name)
        for k in range(1, KECAMATAN_PER_KABUPATEN + 1):
            kecamatan = KecamatanFactory(
                kabupaten=kabupaten, code=f"{code}.{k:02d}", name=f"Kecamatan {name} {k}"
            )
            for n, desa_name in enumerate(DESA_NAMES[:DESA_PER_KECAMATAN], start=1):
                kind = DesaKind.KELURAHAN if n == 1 else DesaKind.DESA
                DesaFactory(
                    kecamatan=kecamatan,
                    code=f"{kecamatan.code}.{1 if n == 1 else 2}{n:03d}",
                    name=desa_name,
                    kind=kind,
                )


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="session")
def province_snapshot(django_db_setup, django_db_blocker, malang_snapshot):
    """[the wilayah: Kabupaten Malang and the small provinsi, no KIM; what `load_demo
    --province 35` then writes (the Malang demo first, it being absent)], once per session."""

    def wilayah():
        for snapshot in malang_snapshot:
            snapshot.restore()
        small_province()

    with django_db_blocker.unblock():
        return TableSnapshot.capture(wilayah, lambda: run("--province", "35"))


@pytest.fixture
def province_wilayah(db, province_snapshot):
    province_snapshot[0].restore()


@pytest.fixture
def province_demo(province_wilayah, province_snapshot):
    province_snapshot[1].restore()


def kim_of(code: str):
    return KIM.objects.filter(desa__code__startswith=f"{code}.")


def history(code: str) -> dict:
    """Everything the demo made for one kabupaten/kota, without ids: its KIM with their status
    entries and activities, and its targets."""
    kims = kim_of(code).prefetch_related("status_changes", "activities").order_by("desa__code")
    return {
        "kim": [
            (
                kim.desa.code,
                kim.name,
                kim.formed_on,
                kim.member_count,
                kim.sk_number,
                kim.level,
                kim.is_active,
                [(s.effective_on, s.level, s.is_active) for s in kim.status_changes.all()],
                sorted((a.occurred_on, a.kind) for a in kim.activities.all()),
            )
            for kim in kims.select_related("desa")
        ],
        "targets": sorted(
            Target.objects.filter(wilayah_code=code).values_list("year", "kim_count")
        ),
    }


def test_every_other_kabupaten_gets_a_labelled_history_and_targets(province_demo):
    today = timezone.localdate()
    shares = []
    for code in KABUPATEN:
        desa_total = Desa.objects.filter(code__startswith=f"{code}.").count()
        kims = kim_of(code)
        made = kims.count()
        assert 0 < made <= desa_total
        assert kims.values("desa").distinct().count() == made  # at most one KIM per desa
        assert not kims.filter(is_demo=False).exists()
        statuses = KIMStatusChange.objects.filter(kim__in=kims)
        assert statuses.count() > made  # the opening entries and later ones
        assert not statuses.exclude(note=DEMO_NOTE).exists()
        activities = KIMActivity.objects.filter(kim__in=kims)
        assert activities.exists()
        assert not activities.exclude(description__contains=DEMO_NOTE).exists()
        targets = Target.objects.filter(wilayah_code=code)
        assert dict(targets.values_list("year", "kim_count"))[2026] == desa_total
        assert 0 < targets.get(year=2023).kim_count <= desa_total
        assert set(targets.values_list("note", flat=True)) == {DEMO_NOTE}
        # The side-by-side view's figures and its "perlu verifikasi" list have something.
        summary = coverage.summary(today, code)
        assert summary.kim_formed == made
        assert 0 < summary.kim_active <= made
        assert coverage.kim_needing_check(today, within=code)
        shares.append(made / desa_total)
    assert len(set(shares)) == len(shares)  # each draws its own pace
    province = KIM.objects.filter(desa__code__startswith="35.").exclude(
        desa__code__startswith="35.07."
    )
    assert province.filter(level=KIMLevel.BERKEMBANG).exists()
    assert province.filter(is_active=False).exists()
    assert province.filter(formed_on__year__lt=2020).exists()
    assert province.filter(formed_on__year__gte=2024).exists()


def test_malang_keeps_its_published_figures(province_demo):
    """The Malang demo, loaded by `--province` itself, still gives the published figures for
    Kabupaten Malang, and the provinsi's figures are its kabupaten's added up."""
    published = {D(2019, 12, 31): 28, D(2022, 12, 31): 187, D(2023, 6, 25): 215}
    published[D(2025, 9, 24)] = 250
    for on, formed in published.items():
        assert coverage.summary(on, "35.07").kim_formed == formed
    mid_2023 = coverage.summary(D(2023, 6, 25), "35.07")
    assert mid_2023.kim_active == 215
    assert mid_2023.kim_mandiri == 1
    assert mid_2023.kecamatan_without_active_kim == 3
    assert coverage.summary(D(2025, 9, 24), "35.07").kim_active == 75
    assert dict(Target.objects.filter(wilayah_code="35.07").values_list("year", "kim_count")) == {
        2023: 240,
        2026: 390,
    }
    today = timezone.localdate()
    whole = coverage.summary(today, "35")
    parts = [coverage.summary(today, code) for code in ["35.07", *KABUPATEN]]
    assert whole.kim_formed == sum(p.kim_formed for p in parts) == KIM.objects.count()
    assert whole.kim_active == sum(p.kim_active for p in parts)


def test_dates_are_never_after_today(province_demo):
    today = timezone.localdate()
    province = KIM.objects.exclude(desa__code__startswith="35.07.")
    assert province.filter(formed_on__gte=demo_province.FIRST_DAY).count() == province.count()
    last_formed = today - demo_province.LAST_FORMED_BEFORE_TODAY
    assert not province.filter(formed_on__gt=last_formed).exists()
    assert not KIM.objects.filter(sk_date__gt=today).exists()
    assert not KIMStatusChange.objects.filter(effective_on__gt=today).exists()
    assert not KIMActivity.objects.filter(occurred_on__gt=today).exists()


def test_same_kabupaten_same_history_whatever_else_is_loaded(province_wilayah):
    """The generator is seeded per kabupaten: Kota Batu's history is the same with or without
    Kota Malang beside it (and another seed's would differ)."""
    today = timezone.localdate()
    with transaction.atomic():
        demo_province.build(provinsi_code="35", today=today)
        with_all = {code: history(code) for code in KABUPATEN}
        transaction.set_rollback(True)
    assert not KIM.objects.exists()

    Desa.objects.filter(code__startswith="35.73.").delete()
    Kecamatan.objects.filter(code__startswith="35.73.").delete()
    Kabupaten.objects.filter(code="35.73").delete()
    outcomes = demo_province.build(provinsi_code="35", today=today)

    assert [o.code for o in outcomes] == ["35.01", "35.79"]
    assert history("35.79") == with_all["35.79"]
    assert history("35.01") == with_all["35.01"]
    assert with_all["35.79"]["kim"] != with_all["35.01"]["kim"]


def test_kabupaten_with_real_kim_is_skipped(province_wilayah, user):
    real = KIMFactory(desa=Desa.objects.get(code="35.79.02.2002"), name="KIM Nyata", by=user)
    with pytest.raises(CommandError, match="sudah berisi 1 KIM nyata"):
        run("--province", "35")
    assert KIM.objects.count() == 1

    output = run("--province", "35", "--force")

    assert "data sintetis, bukan data resmi" in output
    assert "35.79 KOTA BATU: dilewati: sudah ada 1 KIM nyata" in output
    assert list(kim_of("35.79")) == [real]
    assert not Target.objects.filter(wilayah_code="35.79").exists()
    for code, name in {"35.07": "Kabupaten Malang", **KABUPATEN}.items():
        if code != "35.79":
            made = kim_of(code).filter(is_demo=True).count()
            assert made > 0
            assert f"{code} {name}: {made} KIM demo" in output


def test_second_run_changes_nothing(province_demo):
    def state():
        return (
            list(KIM.objects.values_list("pk", "version", "level", "is_active")),
            KIMStatusChange.objects.count(),
            KIMActivity.objects.count(),
            list(Target.objects.values_list("wilayah_code", "year", "kim_count")),
            KIM.history.count(),
        )

    before = state()
    output = run("--province", "35")
    assert state() == before
    assert "tidak ada yang diubah" in output
    assert "35.07 Kabupaten Malang: dilewati: data demo sudah ada" in output
    for code in KABUPATEN:
        made = kim_of(code).count()
        assert f"{code} {KABUPATEN[code]}: dilewati: data demo sudah ada ({made} KIM)" in output


def test_the_province_account_works_in_the_whole_provinsi(province_demo, tmp_path, client):
    manager = get_user_model().objects.get(username="manajer-provinsi-demo")
    assert manager.groups.get().name == "Manajer"
    assert list(manager.wilayah_scope.values_list("code", flat=True)) == ["35"]
    assert scope.of(manager).contains("35.79.02.2002")
    assert scope.of(manager).contains("35.07.08.2001")

    path = tmp_path / "demo-accounts.txt"
    out = io.StringIO()
    call_command("demo_accounts", "--reset", "--passwords-file", str(path), stdout=out)
    assert "manajer-provinsi-demo" in out.getvalue()
    stored = {line.split()[1]: line.split()[2] for line in path.read_text().splitlines()[3:]}
    assert set(stored) == {"staf-demo", "petugas-demo", "manajer-demo", "manajer-provinsi-demo"}
    response = client.post(
        "/akun/masuk/",
        {"username": "manajer-provinsi-demo", "password": stored["manajer-provinsi-demo"]},
    )
    assert response.status_code == 302


def test_needs_the_other_kabupaten_loaded_first(malang):
    """Only Kabupaten Malang is loaded: the command says how to load the provinsi and writes
    nothing, not even the Malang demo."""
    with pytest.raises(CommandError, match=r"load_wilayah --source .* --province 35"):
        run("--province", "35")
    assert not KIM.objects.exists()
    assert not get_user_model().objects.filter(username="manajer-provinsi-demo").exists()


def test_the_provinsi_gets_a_target_of_its_own_beside_its_kabupaten_sum(province_demo):
    desa_total = Desa.objects.filter(code__startswith="35.").count()
    target = Target.objects.get(wilayah_code="35")
    assert target.year == 2026
    assert target.kim_count == round(0.8 * desa_total)
    assert target.note == DEMO_NOTE
    summary = coverage.summary(D(2026, 1, 31), "35")
    assert summary.target == target
    # Beside it, the sum of the kabupaten/kota's own 2026 targets (each its desa count).
    assert summary.kabupaten_target == (2026, desa_total)


def test_a_provinsi_target_the_office_set_is_kept(province_wilayah):
    Target.objects.create(year=2026, kim_count=1234, wilayah_code="35")
    run("--province", "35")
    assert list(Target.objects.filter(wilayah_code="35").values_list("year", "kim_count")) == [
        (2026, 1234)
    ]
