"""A deterministic, clearly labelled synthetic KIM history over the real wilayah of Kabupaten
Malang, built to reproduce the figures Diskominfo published (see DESIGN.md section 1):

- formed by 2019-12-31: 28; by 2022-12-31: 187; by 2023-06-25: 215 in exactly 30 kecamatan, none
  in Wajak, Kasembon and Kalipare, all active that day, one at level Berdaya/Mandiri (KIM
  Gubugklakah, Kecamatan Poncokusumo);
- by 2025-09-24: 250 formed in all, 75 of them active, the rest deactivated on dated status
  changes after 2023-06-25;
- at most one KIM per desa; targets 2023: 240 and 2026: 390.

After the published months the KIM still active carry on with their activity up to the day the
demo is loaded (most keep meeting, some go quiet): the dashboard of today then tells something.

Every KIM is flagged ``is_demo`` and every timeline entry says it is demo data. All writes go
through the services, so the demo exercises the same rules as real data.
"""

import datetime
import random
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from kimtracker.roles import sync_roles
from villages.choices import ActivityKind, KIMLevel
from villages.models import KIM, Desa
from villages.services import record_many_activities, record_status_change, register_kims

from .services import set_target

SEED = 350700
DEMO_NOTE = "Data demo (sintetis), bukan data resmi."

# Published milestones: (date, KIM formed by then), and the formation window of each step.
# Nothing happens between the mid-2023 snapshot and the end of June 2023, so the June 2023
# monthly report shows the same published figures.
LATE_START = datetime.date(2023, 7, 1)
FORMATION_STEPS = [
    (datetime.date(2017, 1, 1), datetime.date(2019, 12, 31), 28),
    (datetime.date(2020, 1, 1), datetime.date(2022, 12, 31), 187 - 28),
    (datetime.date(2023, 1, 1), datetime.date(2023, 6, 25), 215 - 187),
    (LATE_START, datetime.date(2025, 8, 31), 250 - 215),
]
SNAPSHOT_2023 = datetime.date(2023, 6, 25)
SNAPSHOT_2025 = datetime.date(2025, 9, 24)
ACTIVE_ON_2025 = 75
# Kecamatan with no KIM on 2023-06-25 (published); the later drive forms some there.
UNCOVERED_2023 = {"35.07.08": "Wajak", "35.07.28": "Kasembon", "35.07.11": "Kalipare"}
LATE_IN_UNCOVERED = 8
MANDIRI_DESA = "35.07.07.2016"  # Gubugklakah, Poncokusumo
TARGETS = {2023: 240, 2026: 390}


@dataclass
class PlannedKIM:
    desa: Desa
    formed_on: datetime.date


def _random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def plan(desa_list: list[Desa], rng: random.Random) -> list[PlannedKIM]:
    """Choose a desa and a formation date for each of the 250 demo KIM, in formation order."""
    eligible_2023 = [d for d in desa_list if d.kecamatan.code not in UNCOVERED_2023]
    uncovered = [d for d in desa_list if d.kecamatan.code in UNCOVERED_2023]
    mandiri = next(d for d in desa_list if d.code == MANDIRI_DESA)

    # One desa in each of the 30 kecamatan first, so that all 30 have a KIM by mid-2023.
    by_kecamatan: dict[str, list[Desa]] = {}
    for desa in eligible_2023:
        by_kecamatan.setdefault(desa.kecamatan.code, []).append(desa)
    early = [mandiri] + [
        rng.choice(group)
        for code, group in sorted(by_kecamatan.items())
        if code != mandiri.kecamatan.code
    ]
    rest = [d for d in eligible_2023 if d not in early]
    rng.shuffle(rest)
    spare = rest[215 - len(early) :]
    early += rest[: 215 - len(early)]
    # Gubugklakah stays first (formed 2017); the others spread over the three steps at random.
    head, tail = early[:1], early[1:]
    rng.shuffle(tail)
    early = head + tail

    late = rng.sample(uncovered, LATE_IN_UNCOVERED) + spare[: 35 - LATE_IN_UNCOVERED]
    rng.shuffle(late)

    planned, desa_iter = [], iter(early + late)
    for start, end, count in FORMATION_STEPS:
        dates = sorted(_random_date(rng, start, end) for _ in range(count))
        planned += [PlannedKIM(next(desa_iter), formed_on) for formed_on in dates]
    return planned


@transaction.atomic
def build(*, by=None, seed: int = SEED) -> list[KIM]:
    """Create the demo KIM and their timelines; the caller has checked the database is ready."""
    rng = random.Random(seed)  # noqa: S311 (a seeded, repeatable demo, not a secret)
    desa_list = list(Desa.objects.filter(code__startswith="35.07.").select_related("kecamatan"))
    if len(desa_list) != 390:
        raise ValueError("load_wilayah must load Kabupaten Malang (390 desa) first")

    entries = [
        {
            "desa": item.desa,
            "name": f"KIM {item.desa.name}",
            "formed_on": item.formed_on,
            "is_demo": True,
            "note": DEMO_NOTE,
            "member_count": rng.randint(5, 25),
            "sk_number": f"DEMO/{item.formed_on.year}/{number:03d}",
            "sk_date": item.formed_on,
            "sk_issuer": f"Kepala Desa {item.desa.name}",
        }
        for number, item in enumerate(plan(desa_list, rng), start=1)
    ]
    kims = register_kims(entries, by=by)
    second_mandiri = _promote(kims, rng, by)
    _deactivate(kims, rng, by, keep={kims[0].pk, second_mandiri.pk})
    _activities(kims, rng, by)
    _activities_after_published(kims, by, seed=seed, today=timezone.localdate())
    for year, count in TARGETS.items():
        set_target(year=year, kim_count=count, by=by, note=DEMO_NOTE, wilayah_code=DEMO_WILAYAH)
    return kims


def _promote(kims: list[KIM], rng: random.Random, by) -> KIM:
    """Gubugklakah climbs to Berdaya/Mandiri by 2022; some others reach Berkembang; one more
    KIM reaches Mandiri in 2024, after the mid-2023 snapshot. Returns that one."""
    mandiri = kims[0]
    record_status_change(
        kim=mandiri,
        effective_on=datetime.date(2019, 3, 1),
        by=by,
        level=KIMLevel.BERKEMBANG,
        note=DEMO_NOTE,
    )
    record_status_change(
        kim=mandiri,
        effective_on=datetime.date(2022, 8, 17),
        by=by,
        level=KIMLevel.MANDIRI,
        note=DEMO_NOTE,
    )
    formed_early = [k for k in kims[1:] if k.formed_on < datetime.date(2022, 1, 1)]
    promoted = rng.sample(formed_early, 40)
    for kim in promoted:
        promoted_on = _random_date(
            rng, kim.formed_on + datetime.timedelta(days=180), datetime.date(2023, 6, 1)
        )
        record_status_change(
            kim=kim, effective_on=promoted_on, by=by, level=KIMLevel.BERKEMBANG, note=DEMO_NOTE
        )
    star = rng.choice(promoted)
    record_status_change(
        kim=star,
        effective_on=datetime.date(2024, 10, 28),
        by=by,
        level=KIMLevel.MANDIRI,
        note=DEMO_NOTE,
    )
    return star


def _deactivate(kims: list[KIM], rng: random.Random, by, *, keep: set[int]) -> None:
    """Leave exactly 75 KIM active on 2025-09-24 (``keep`` among them): deactivate the others on
    dates between 2023-07-01 and that day; a few lapse and come back before it."""
    first_day = LATE_START
    keep = set(keep)
    # KIM formed in the last months are still active; the rest of the 75 are drawn at random.
    keep |= {k.pk for k in kims if k.formed_on > datetime.date(2025, 3, 1)}
    others = [k for k in kims if k.pk not in keep]
    keep |= {k.pk for k in rng.sample(others, ACTIVE_ON_2025 - len(keep))}

    for kim in kims:
        start = max(first_day, kim.formed_on + datetime.timedelta(days=60))
        if kim.pk in keep:
            # One in ten of the survivors lapsed for a while and was revived.
            if rng.random() < 0.1 and start < datetime.date(2024, 6, 1):
                lapsed = _random_date(rng, start, datetime.date(2024, 6, 1))
                revived = _random_date(
                    rng,
                    lapsed + datetime.timedelta(days=30),
                    SNAPSHOT_2025 - datetime.timedelta(days=30),
                )
                record_status_change(
                    kim=kim, effective_on=lapsed, by=by, is_active=False, note=DEMO_NOTE
                )
                record_status_change(
                    kim=kim, effective_on=revived, by=by, is_active=True, note=DEMO_NOTE
                )
            continue
        record_status_change(
            kim=kim,
            effective_on=_random_date(rng, start, SNAPSHOT_2025),
            by=by,
            is_active=False,
            note=DEMO_NOTE,
        )


ACTIVITY_DESCRIPTIONS = {
    ActivityKind.AKSES_INFORMASI: "Menyebarkan informasi program desa lewat grup WhatsApp",
    ActivityKind.DISKUSI: "Diskusi warga tentang layanan kesehatan desa",
    ActivityKind.IMPLEMENTASI: "Pendampingan warga mengurus layanan daring",
    ActivityKind.JEJARING: "Pertemuan jejaring KIM antardesa",
    ActivityKind.DISEMINASI: "Liputan kegiatan desa di media sosial",
    ActivityKind.ASPIRASI: "Menampung aspirasi warga untuk musyawarah desa",
    ActivityKind.PELATIHAN: "Mengikuti bimtek Diskominfo",
}


def _activities(kims: list[KIM], rng: random.Random, by) -> None:
    """A plausible activity history: the KIM still active on 2025-09-24 have recent activity;
    most KIM that were deactivated went quiet months before, a few right up to it. Periods a
    KIM had lapsed have no activity."""
    entries = []
    for kim in KIM.objects.filter(pk__in=[k.pk for k in kims]).prefetch_related("status_changes"):
        active_spans, start = [], None
        for change in kim.status_changes.all():
            if change.is_active and start is None:
                start = change.effective_on
            elif change.is_active is False and start is not None:
                active_spans.append((start, change.effective_on))
                start = None
        if start is not None:
            active_spans.append((start, SNAPSHOT_2025))
        quiet_before_end = (
            datetime.timedelta(days=rng.randint(90, 300))
            if rng.random() < 0.85 and not kim.is_active
            else datetime.timedelta(days=rng.randint(5, 40))
        )
        items = []
        for number, (begin, end) in enumerate(active_spans):
            last_span = number == len(active_spans) - 1
            stop = end - (quiet_before_end if last_span else datetime.timedelta(days=20))
            day = begin + datetime.timedelta(days=rng.randint(10, 60))
            days = []
            while day <= stop:
                days.append(day)
                day += datetime.timedelta(days=rng.randint(45, 120))
            if last_span and kim.is_active and not days:
                days.append(begin + (end - begin) / 2)  # a KIM revived lately shows life too
            for day in days:
                kind = rng.choice(ActivityKind.values)
                items.append(
                    {
                        "occurred_on": day,
                        "kind": kind,
                        "description": f"{ACTIVITY_DESCRIPTIONS[kind]} ({DEMO_NOTE})",
                    }
                )
        entries += ({**item, "kim": kim} for item in items)
    record_many_activities(entries, by=by)


# The activity that carries on after the published months starts in the month after the last
# published snapshot, so that month's report stays as it was.
CARRY_ON_FROM = datetime.date(2025, 10, 1)
# Share of the KIM still active that go quiet some time in the year after (no activity since):
# what the dashboard's "perlu verifikasi" is for.
QUIET_SHARE = 0.2


def _activities_after_published(kims: list[KIM], by, *, seed: int, today: datetime.date) -> None:
    """Activity of the KIM still active, from ``CARRY_ON_FROM`` up to ``today``: a meeting every
    one to three months; one KIM in five stops some time in the first year. Each KIM draws from
    a generator of its own (seeded by its desa code), apart from the one that made the history
    up to the published snapshots, which stays as it was: the same seed gives the same activity
    up to any day, whichever day the demo is loaded."""
    if today < CARRY_ON_FROM:
        return
    active = KIM.objects.filter(pk__in=[k.pk for k in kims], is_active=True).select_related("desa")
    entries = []
    for kim in sorted(active, key=lambda k: k.desa.code):
        rng = random.Random(f"{seed}:{kim.desa.code}")  # noqa: S311 (repeatable demo)
        quiet_from = (
            _random_date(rng, CARRY_ON_FROM, CARRY_ON_FROM + datetime.timedelta(days=365))
            if rng.random() < QUIET_SHARE
            else None
        )
        last = min(today, quiet_from) if quiet_from else today
        day = CARRY_ON_FROM + datetime.timedelta(days=rng.randint(0, 45))
        items = []
        while day <= last:
            kind = rng.choice(ActivityKind.values)
            items.append(
                {
                    "occurred_on": day,
                    "kind": kind,
                    "description": f"{ACTIVITY_DESCRIPTIONS[kind]} ({DEMO_NOTE})",
                }
            )
            day += datetime.timedelta(days=rng.randint(30, 100))
        entries += ({**item, "kim": kim} for item in items)
    record_many_activities(entries, by=by)


DEMO_ACCOUNTS = {"staf-demo": "Staf", "petugas-demo": "Petugas", "manajer-demo": "Manajer"}
DEMO_WILAYAH = "35.07"


def create_demo_accounts() -> list[tuple[str, str, str | None]]:
    """One account per role, working in Kabupaten Malang (``villages.scope``)."""
    return create_accounts(DEMO_ACCOUNTS, DEMO_WILAYAH, "Demo {role}")


def create_accounts(
    accounts: dict[str, str], wilayah_code: str, first_name: str
) -> list[tuple[str, str, str | None]]:
    """The demo accounts ``{username: role}`` working within ``wilayah_code``, each new one
    with a fresh random password (never fixed in code), returned as (username, role, password)
    so the command can print them once; an account that already exists keeps its password
    (None). ``first_name`` is formatted with the role."""
    sync_roles()
    User = get_user_model()
    created = []
    for username, role in accounts.items():
        user, is_new = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name.format(role=role)}
        )
        password = None
        if is_new:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        user.wilayah_scope.get_or_create(code=wilayah_code)
        created.append((username, role, password))
    return created
