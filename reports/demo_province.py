"""A synthetic KIM history for the other kabupaten/kota of a provinsi, beside the Kabupaten
Malang demo (``reports.demo``), so that a provincial office's side-by-side view of its
kabupaten has something to compare before any real data is there.

Why synthetic and how it is labelled: only Kabupaten Malang has published figures; elsewhere
nothing is known, so each kabupaten/kota gets a plausible history of its own, drawn from a random
generator seeded by its code: the same kabupaten gets the same history whatever else is loaded
(on the same day: the last dates follow today). Every KIM is flagged ``is_demo``, every status
entry, activity and target carries ``DEMO_NOTE``, and ``load_demo --province`` says it is
synthetic data. Kabupaten Malang keeps its published figures: it is never touched here.

What each kabupaten/kota draws (``plan_kabupaten``): its pace (the share of its desa with a KIM at
the end, 15% to 85%, a kota more), when its drive began (2017 to 2019) and how it sped up; at most
one KIM per desa, formed up to two months before today; a share reaching Berkembang, a few
Berdaya/Mandiri, a share deactivated (a few revived), all as dated status entries; activity while
active, some KIM going quiet so that "perlu verifikasi" shows some in every kabupaten; targets for
the end of 2023 (a little above what it had then) and of 2026 (every desa); and, when the
provinsi has none, a target of its own for 2026 (``PROVINSI_TARGET_SHARE`` of its desa).

A kabupaten/kota that already has KIM, real or demo, is left as it is and reported (never mixed).
All writes go through the services (``register_kims`` once per kabupaten, the bulk
``record_status_changes`` and ``record_many_activities``, ``set_target``), so the demo obeys
the rules of real data, and the whole province is one transaction.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from kimtracker.roles import MANAJER
from villages.choices import ActivityKind, DesaKind, KIMLevel
from villages.models import KIM, Desa, Kabupaten
from villages.querysets import stale_cutoff
from villages.services import record_many_activities, record_status_changes, register_kims

from .demo import ACTIVITY_DESCRIPTIONS, DEMO_NOTE, DEMO_WILAYAH, create_accounts
from .models import Target
from .services import set_target

SEED = "kim-demo-provinsi"
FIRST_DAY = datetime.date(2017, 1, 1)
# The last KIM is formed this long before today: the newest are settling in, not born today.
LAST_FORMED_BEFORE_TODAY = datetime.timedelta(days=60)
# Share of the KIM active today that have gone quiet: what "perlu verifikasi" is for.
QUIET_SHARE = 0.2
TARGET_YEARS = (2023, 2026)
# The provinsi's own aim for the end of 2026, as a share of its desa: below the sum of its
# kabupaten/kota's targets (every desa), as a provincial plan often is; the dashboard of the
# provinsi shows both.
PROVINSI_TARGET_YEAR, PROVINSI_TARGET_SHARE = 2026, 0.8
# The province's demo office: a Manajer of the whole provinsi.
PROVINCE_ACCOUNTS = {"manajer-provinsi-demo": MANAJER}


@dataclass
class PlannedKIM:
    """One demo KIM: where, when formed, and its dated facts."""

    desa: Desa
    formed_on: datetime.date
    member_count: int
    # (effective_on, level or "", is_active or None), in date order.
    statuses: list[tuple[datetime.date, str, bool | None]] = field(default_factory=list)
    # (occurred_on, kind), in date order.
    activities: list[tuple[datetime.date, str]] = field(default_factory=list)


@dataclass
class KabupatenPlan:
    kabupaten: Kabupaten
    desa_count: int
    kims: list[PlannedKIM]
    targets: dict[int, int]


@dataclass
class Outcome:
    """What happened to one kabupaten/kota: ``made`` demo KIM, or ``skipped`` and why."""

    code: str
    name: str
    desa_count: int
    made: int = 0
    skipped: str = ""


class NoWilayah(ValueError):
    """The provinsi has no kabupaten/kota with desa loaded besides Kabupaten Malang."""


def _day(start: datetime.date, end: datetime.date, share: float) -> datetime.date:
    """The day ``share`` (0 to 1) of the way from ``start`` to ``end``."""
    return start + datetime.timedelta(days=int(share * max((end - start).days, 0)))


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _is_kota(kabupaten: Kabupaten) -> bool:
    return kabupaten.name.upper().startswith("KOTA")


def plan_kabupaten(
    kabupaten: Kabupaten, desa_list: list[Desa], *, today: datetime.date
) -> KabupatenPlan:
    """The demo history of one kabupaten/kota over ``desa_list`` (its desa), without writing.
    Deterministic: the kabupaten's generator (seeded by its code) draws its pace, its desa and
    formation dates; each KIM's own (seeded by its desa code) draws the rest."""
    rng = random.Random(f"{SEED}:{kabupaten.code}")  # noqa: S311 (a repeatable demo)
    desa_list = sorted(desa_list, key=lambda d: d.code)
    coverage = rng.uniform(0.45, 0.9) if _is_kota(kabupaten) else rng.uniform(0.15, 0.85)
    promoted_share, dropped_share = rng.uniform(0.15, 0.4), rng.uniform(0.15, 0.45)
    last_formed = today - LAST_FORMED_BEFORE_TODAY
    began = _between(rng, FIRST_DAY, min(datetime.date(2019, 12, 31), last_formed))
    speed_up = rng.uniform(0.5, 1.2)  # below 1: most KIM formed in the later years
    chosen = rng.sample(desa_list, max(1, round(coverage * len(desa_list))))
    dates = sorted(_day(began, last_formed, rng.random() ** speed_up) for _ in chosen)
    cutoff = stale_cutoff(today)

    kims = []
    for desa, formed_on in sorted(zip(chosen, dates, strict=True), key=lambda p: p[1]):
        kim_rng = random.Random(f"{SEED}:{desa.code}")  # noqa: S311 (a repeatable demo)
        kim = PlannedKIM(desa, formed_on, kim_rng.randint(5, 25))
        _statuses(kim, kim_rng, promoted_share, dropped_share, today)
        _activities(kim, kim_rng, today, cutoff)
        kims.append(kim)
    _one_quiet_at_least(kims, cutoff)

    by_end_2023 = sum(k.formed_on <= datetime.date(2023, 12, 31) for k in kims)
    targets = {
        2023: min(len(desa_list), max(1, round(by_end_2023 * rng.uniform(1.1, 1.4)))),
        2026: len(desa_list),
    }
    return KabupatenPlan(kabupaten, len(desa_list), kims, targets)


def _statuses(kim: PlannedKIM, rng, promoted_share, dropped_share, today) -> None:
    """Levels reached and deactivation, each a dated entry after the one before it."""
    year = datetime.timedelta(days=365)
    last_day = today - datetime.timedelta(days=1)
    latest = kim.formed_on
    if kim.formed_on + year < today and rng.random() < promoted_share:
        latest = _between(
            rng, kim.formed_on + datetime.timedelta(days=180), min(kim.formed_on + 3 * year, today)
        )
        kim.statuses.append((latest, KIMLevel.BERKEMBANG, None))
        if latest + 2 * year < today and rng.random() < 0.12:
            latest = _between(rng, latest + year, last_day)
            kim.statuses.append((latest, KIMLevel.MANDIRI, None))
            return  # the few that got this far keep going
    start = max(latest + datetime.timedelta(days=30), kim.formed_on + datetime.timedelta(days=180))
    if start < last_day and rng.random() < dropped_share:
        dropped = _between(rng, start, last_day)
        kim.statuses.append((dropped, "", False))
        if dropped + datetime.timedelta(days=120) < today and rng.random() < 0.15:
            revived = _between(rng, dropped + datetime.timedelta(days=60), last_day)
            kim.statuses.append((revived, "", True))


def _active_spans(kim: PlannedKIM, today) -> list[tuple[datetime.date, datetime.date]]:
    spans, start = [], kim.formed_on
    for day, _level, active in kim.statuses:
        if active is False and start is not None:
            spans.append((start, day))
            start = None
        elif active and start is None:
            start = day
    if start is not None:
        spans.append((start, today))
    return spans


def _is_active_today(kim: PlannedKIM) -> bool:
    flags = [active for _day, _level, active in kim.statuses if active is not None]
    return not flags or flags[-1]


def _activities(kim: PlannedKIM, rng, today, cutoff) -> None:
    """A meeting reported every one and a half to five months while active; a KIM deactivated
    went quiet some months before; a share of those active today went quiet before the stale
    period."""
    quiet = _is_active_today(kim) and rng.random() < QUIET_SHARE
    spans = _active_spans(kim, today)
    for number, (begin, end) in enumerate(spans):
        if number < len(spans) - 1 or not _is_active_today(kim):
            end -= datetime.timedelta(days=rng.randint(30, 300))
        elif quiet:
            end = min(end, cutoff - datetime.timedelta(days=rng.randint(1, 200)))
        day = begin + datetime.timedelta(days=rng.randint(7, 60))
        while day <= end:
            kim.activities.append((day, rng.choice(ActivityKind.values)))
            day += datetime.timedelta(days=rng.randint(45, 150))


def _one_quiet_at_least(kims: list[PlannedKIM], cutoff) -> None:
    """Every kabupaten shows at least one KIM to check (when it has one formed before the stale
    period and active): the first such by desa code then loses its recent activity."""
    candidates = sorted(
        (k for k in kims if k.formed_on < cutoff and _is_active_today(k)),
        key=lambda k: k.desa.code,
    )
    if candidates and all(any(day >= cutoff for day, _k in k.activities) for k in candidates):
        candidates[0].activities = [a for a in candidates[0].activities if a[0] < cutoff]


def kabupaten_with_desa(provinsi_code: str):
    """The kabupaten/kota of the provinsi with desa loaded, but Kabupaten Malang (its demo is
    ``reports.demo``), each with ``desa_count``, ``real_count`` and ``demo_count`` (KIM)."""
    return (
        Kabupaten.objects.filter(provinsi__code=provinsi_code)
        .exclude(code=DEMO_WILAYAH)
        .annotate(desa_count=Count("kecamatan__desa", distinct=True))
        .filter(desa_count__gt=0)
        .order_by("code")
    )


def _kim_counts(codes: list[str]) -> dict[str, tuple[int, int]]:
    """Per kabupaten code: (real KIM, demo KIM), voided ones included (never mix)."""
    counts: dict[str, list[int]] = {code: [0, 0] for code in codes}
    rows = (
        KIM.objects.filter(desa__kecamatan__kabupaten__code__in=codes)
        .values_list("desa__kecamatan__kabupaten__code", "is_demo")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for code, is_demo, n in rows:
        counts[code][1 if is_demo else 0] += n
    return {code: (real, demo) for code, (real, demo) in counts.items()}


@transaction.atomic
def build(*, provinsi_code: str, by=None, today: datetime.date | None = None) -> list[Outcome]:
    """The demo of every kabupaten/kota of the provinsi with desa loaded but Kabupaten Malang,
    skipping those that have KIM already. Returns one ``Outcome`` per kabupaten/kota, in code
    order. Raises ``NoWilayah`` (writing nothing) when there is none to look at."""
    today = today or timezone.localdate()
    kabupaten = list(kabupaten_with_desa(provinsi_code))
    if not kabupaten:
        raise NoWilayah(provinsi_code)
    counts = _kim_counts([k.code for k in kabupaten])
    outcomes = []
    for kab in kabupaten:
        outcome = Outcome(kab.code, kab.name, kab.desa_count)
        real, demo = counts[kab.code]
        if real:
            outcome.skipped = _(
                "dilewati: sudah ada %(real)d KIM nyata (dan %(demo)d KIM demo); data demo "
                "tidak dicampur dengan data nyata"
            ) % {"real": real, "demo": demo}
        elif demo:
            outcome.skipped = _("dilewati: data demo sudah ada (%(demo)d KIM)") % {"demo": demo}
        else:
            desa_list = list(
                Desa.objects.filter(kecamatan__kabupaten=kab).select_related("kecamatan")
            )
            outcome.made = len(_write(plan_kabupaten(kab, desa_list, today=today), by=by))
        outcomes.append(outcome)
    if any(outcome.made for outcome in outcomes):
        _provinsi_target(provinsi_code, by=by)
    return outcomes


def _provinsi_target(provinsi_code: str, *, by) -> None:
    """The provinsi's own demo target (``PROVINSI_TARGET_SHARE`` of its desa loaded), unless
    the provinsi has a target already: one the office set is never overwritten."""
    if Target.objects.filter(wilayah_code=provinsi_code).exists():
        return
    desa_total = Desa.objects.filter(code__startswith=f"{provinsi_code}.").count()
    set_target(
        year=PROVINSI_TARGET_YEAR,
        kim_count=round(PROVINSI_TARGET_SHARE * desa_total),
        by=by,
        note=DEMO_NOTE,
        wilayah_code=provinsi_code,
    )


def _write(plan: KabupatenPlan, *, by) -> list[KIM]:
    """Write one kabupaten's plan through the services."""
    code = plan.kabupaten.code
    kims = register_kims(
        [
            {
                "desa": item.desa,
                "name": f"KIM {item.desa.name}",
                "formed_on": item.formed_on,
                "is_demo": True,
                "note": DEMO_NOTE,
                "member_count": item.member_count,
                "sk_number": f"DEMO/{code}/{item.formed_on.year}/{number:04d}",
                "sk_date": item.formed_on,
                "sk_issuer": (
                    f"Lurah {item.desa.name}"
                    if item.desa.kind == DesaKind.KELURAHAN
                    else f"Kepala Desa {item.desa.name}"
                ),
            }
            for number, item in enumerate(plan.kims, start=1)
        ],
        by=by,
        reason=DEMO_NOTE,
    )
    record_status_changes(
        [
            {
                "kim": kim,
                "effective_on": day,
                "level": level,
                "is_active": active,
                "note": DEMO_NOTE,
            }
            for kim, item in zip(kims, plan.kims, strict=True)
            for day, level, active in item.statuses
        ],
        by=by,
        reason=DEMO_NOTE,
    )
    record_many_activities(
        [
            {
                "kim": kim,
                "occurred_on": day,
                "kind": kind,
                "description": f"{ACTIVITY_DESCRIPTIONS[kind]} ({DEMO_NOTE})",
            }
            for kim, item in zip(kims, plan.kims, strict=True)
            for day, kind in item.activities
        ],
        by=by,
    )
    for year, count in plan.targets.items():
        set_target(year=year, kim_count=count, by=by, note=DEMO_NOTE, wilayah_code=code)
    return kims


def create_province_accounts(provinsi_code: str) -> list[tuple[str, str, str | None]]:
    """The province's demo account: a Manajer working within the whole provinsi
    (``demo.create_accounts``)."""
    return create_accounts(PROVINCE_ACCOUNTS, provinsi_code, "Demo {role} provinsi")
