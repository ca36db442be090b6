"""The monthly report: every figure as of the last day of a month (or today, for the running
month), from the same definitions as the dashboard (``reports.coverage``), with the changes
against the previous month and against December of the previous year. The XLSX, PDF and CSV
files and the HTML page all render one ``MonthlyReport``; the queries do not grow with the
number of rows."""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kimtracker.dates import month_end
from kimtracker.figures import coverage_percent
from villages.choices import KIMLevel
from villages.models import KIM, Kabupaten, KIMStatusChange
from villages.querysets import BOUNDARIES_VIA_DESA

from . import coverage

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(ValueError):
    """A month that cannot be reported on; the message says why, in Bahasa Indonesia."""


def first_month() -> datetime.date | None:
    """The month of the first KIM formation, where reports start (None without any KIM)."""
    first = KIM.objects.counted().order_by("formed_on").values_list("formed_on", flat=True).first()
    return first.replace(day=1) if first else None


def parse_month(text: str) -> datetime.date:
    """``YYYY-MM`` as the first day of that month; refuses malformed, future months and months
    before any data with ``MonthError``."""
    match = MONTH_PATTERN.match(text or "")
    year, number = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    # Year 0000 matches the pattern but no calendar has it.
    if year < datetime.MINYEAR or not 1 <= number <= 12:
        raise MonthError(
            _("Bulan %(month)s tidak dikenali; tulis seperti 2023-06.") % {"month": text}
        )
    month = datetime.date(year, number, 1)
    today = timezone.localdate()
    if month > today.replace(day=1):
        raise MonthError(
            _("Bulan %(month)s belum tiba; laporan hanya untuk bulan yang sudah berjalan.")
            % {"month": text}
        )
    start = first_month()
    if start is None or month < start:
        raise MonthError(
            _("Belum ada data KIM pada %(month)s; data mulai %(start)s.")
            % {"month": text, "start": start.strftime("%Y-%m") if start else "-"}
        )
    return month


def report_date(month: datetime.date) -> datetime.date:
    """The as-of date of a month's report: its last day, or today for the running month."""
    return min(month_end(month.year, month.month), timezone.localdate())


def available_months() -> list[datetime.date]:
    """Every month that has a report, newest first."""
    start, today = first_month(), timezone.localdate().replace(day=1)
    months = []
    month = start
    while month and month <= today:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return list(reversed(months))


@dataclass(frozen=True)
class Wilayah:
    """The area a report covers: a provinsi, kabupaten/kota or kecamatan by its Kemendagri
    code (``level`` says which), or every area in the database (``code`` "")."""

    code: str
    name: str
    level: str  # "provinsi", "kabupaten", "kecamatan", or "" for every area


@dataclass(frozen=True)
class KecamatanLine:
    code: str
    name: str
    desa_total: int
    desa_covered: int
    coverage_percent: float
    kim_formed: int
    kim_active: int
    by_level: dict[str, int]
    new_this_month: int


@dataclass(frozen=True)
class StatusEvent:
    kim: KIM
    effective_on: datetime.date
    kind: str  # "level_up", "level_down", "deactivated", "reactivated"
    level: str
    note: str

    @property
    def kind_label(self) -> str:
        return str(EVENT_LABELS[self.kind])


EVENT_LABELS = {
    "level_up": gettext_lazy("Naik tingkat"),
    "level_down": gettext_lazy("Turun tingkat"),
    "deactivated": gettext_lazy("Tidak aktif"),
    "reactivated": gettext_lazy("Aktif kembali"),
}


# The headline figures, in the order the page and every file (``reports.exports``) show them:
# (attribute of ``coverage.Summary``, label, is a percent).
FIGURES = [
    ("kim_formed", gettext_lazy("KIM dibentuk"), False),
    ("kim_active", gettext_lazy("KIM aktif"), False),
    ("kim_mandiri", gettext_lazy("KIM Berdaya/Mandiri"), False),
    ("desa_covered", gettext_lazy("Desa/kelurahan dengan KIM aktif"), False),
    ("coverage_percent", gettext_lazy("Cakupan desa/kelurahan (%)"), True),
    ("kecamatan_without_active_kim", gettext_lazy("Kecamatan tanpa KIM aktif"), False),
]

# The per-kecamatan table, one row per kecamatan and a last row of totals: (header, is a
# percent). The same columns on the page and in the XLSX sheet, the CSV and the PDF.
KECAMATAN_COLUMNS = [
    (gettext_lazy("Kode"), False),
    (gettext_lazy("Kecamatan"), False),
    (gettext_lazy("Desa/kel."), False),
    (gettext_lazy("Desa dengan KIM aktif"), False),
    (gettext_lazy("Cakupan (%)"), True),
    (gettext_lazy("KIM dibentuk"), False),
    (gettext_lazy("KIM aktif"), False),
    (KIMLevel.PEMULA.label, False),
    (KIMLevel.BERKEMBANG.label, False),
    (KIMLevel.MANDIRI.label, False),
    (gettext_lazy("Baru bulan ini"), False),
]


@dataclass(frozen=True)
class Figure:
    """One headline figure: its value and its change against two earlier dates."""

    key: str
    label: str
    value: int | float
    vs_previous_month: int | float
    vs_previous_december: int | float
    is_percent: bool = False


@dataclass(frozen=True)
class MonthlyReport:
    month: datetime.date
    as_of: datetime.date
    generated_at: datetime.datetime
    area_name: str
    summary: coverage.Summary
    previous_month: coverage.Summary
    previous_december: coverage.Summary
    kecamatan: list[KecamatanLine]
    formed_this_month: list[KIM]
    status_events: list[StatusEvent]
    desa_without_kim: dict[str, list[coverage.DesaLine]] = field(default_factory=dict)
    kim_needing_check: list[coverage.KIMLine] = field(default_factory=list)
    kim_mandiri: list[KIM] = field(default_factory=list)
    wilayah: Wilayah | None = None
    # Some KIM counted in the report are demo data (``KIM.is_demo``): every file says so.
    is_demo: bool = False

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    def change(self, figure: str, against: str) -> int:
        """``figure`` now minus the same figure in ``against`` (``previous_month`` or
        ``previous_december``)."""
        difference = getattr(self.summary, figure) - getattr(getattr(self, against), figure)
        return round(difference, 1) if isinstance(difference, float) else difference

    def figures(self) -> list[Figure]:
        """The headline figures (``FIGURES``) with their changes, in the active language."""
        return [
            Figure(
                key=key,
                label=str(label),
                value=getattr(self.summary, key),
                vs_previous_month=self.change(key, "previous_month"),
                vs_previous_december=self.change(key, "previous_december"),
                is_percent=is_percent,
            )
            for key, label, is_percent in FIGURES
        ]

    @staticmethod
    def kecamatan_header() -> list[str]:
        """The headers of ``KECAMATAN_COLUMNS``, in the active language."""
        return [str(label) for label, _is_percent in KECAMATAN_COLUMNS]

    def kecamatan_rows(self) -> list[list]:
        """One row per kecamatan (by code) and a last row of totals, as plain values in the
        columns of ``KECAMATAN_COLUMNS``."""
        rows = [
            [
                line.code,
                line.name,
                line.desa_total,
                line.desa_covered,
                line.coverage_percent,
                line.kim_formed,
                line.kim_active,
                line.by_level[KIMLevel.PEMULA],
                line.by_level[KIMLevel.BERKEMBANG],
                line.by_level[KIMLevel.MANDIRI],
                line.new_this_month,
            ]
            for line in self.kecamatan
        ]
        totals = [sum(row[i] for row in rows) for i in range(2, len(KECAMATAN_COLUMNS))]
        totals[2] = coverage_percent(totals[1], totals[0])
        return [*rows, ["", _("Jumlah"), *totals]]

    def kecamatan_cells(self) -> list[list[tuple]]:
        """``kecamatan_rows`` with each value as (value, is a percent), for the page."""
        percent = [is_percent for _label, is_percent in KECAMATAN_COLUMNS]
        return [list(zip(row, percent, strict=True)) for row in self.kecamatan_rows()]

    @property
    def target_reached(self) -> int | None:
        target = self.summary.target
        return min(self.summary.kim_formed, target.kim_count) if target else None


def _status_events(start: datetime.date, end: datetime.date) -> list[StatusEvent]:
    """Level changes, deactivations and reactivations effective in [start, end], classified
    against the state just before each (one query: the timelines of the KIM concerned)."""
    changed = KIMStatusChange.objects.filter(
        effective_on__range=(start, end), kim__voided_at__isnull=True
    ).values("kim")
    entries = (
        KIMStatusChange.objects.filter(kim__in=changed, effective_on__lte=end)
        .select_related("kim__desa__kecamatan")
        .defer(*(f"kim__{field}" for field in BOUNDARIES_VIA_DESA))
        .order_by("kim_id", "effective_on", "id")
    )
    order = {level: i for i, level in enumerate(KIMLevel.values)}
    events, current, level, active = [], None, "", False
    for entry in entries:
        if entry.kim_id != current:
            current, level, active = entry.kim_id, "", False
        opening = not level
        if entry.effective_on >= start and not opening:
            if entry.level and entry.level != level:
                kind = "level_up" if order[entry.level] > order[level] else "level_down"
                events.append(
                    StatusEvent(entry.kim, entry.effective_on, kind, entry.level, entry.note)
                )
            if entry.is_active is not None and entry.is_active != active:
                kind = "reactivated" if entry.is_active else "deactivated"
                events.append(
                    StatusEvent(
                        entry.kim, entry.effective_on, kind, entry.level or level, entry.note
                    )
                )
        level = entry.level or level
        active = active if entry.is_active is None else entry.is_active
    return sorted(events, key=lambda e: (e.effective_on, e.kim.name))


def build(month: datetime.date) -> MonthlyReport:
    """The report of ``month`` (first day of a month already checked by ``parse_month``)."""
    as_of = report_date(month)
    previous_month_end = month - datetime.timedelta(days=1)
    previous_december = datetime.date(month.year - 1, 12, 31)
    summary = coverage.summary(as_of)
    new_counts = dict(
        KIM.objects.counted()
        .filter(formed_on__range=(month, as_of))
        .order_by()
        .values_list("desa__kecamatan")
        .annotate(n=Count("pk"))
    )
    kecamatan = [
        KecamatanLine(
            code=k.code,
            name=k.name,
            desa_total=k.desa_total,
            desa_covered=k.desa_covered,
            coverage_percent=k.coverage_percent,
            kim_formed=k.kim_formed,
            kim_active=k.kim_active,
            by_level=k.active_by_level,
            new_this_month=new_counts.get(k.pk, 0),
        )
        for k in summary.kecamatan
    ]
    desa_without: dict[str, list[coverage.DesaLine]] = defaultdict(list)
    for desa in coverage.desa_without_active_kim(as_of):
        desa_without[desa.kecamatan.name].append(desa)
    kabupaten = list(Kabupaten.objects.values_list("name", flat=True)[:2])
    return MonthlyReport(
        month=month,
        as_of=as_of,
        generated_at=timezone.localtime(),
        area_name=kabupaten[0].title() if len(kabupaten) == 1 else _("Semua wilayah"),
        summary=summary,
        previous_month=coverage.summary(previous_month_end),
        previous_december=coverage.summary(previous_december),
        kecamatan=kecamatan,
        formed_this_month=list(
            KIM.objects.counted()
            .filter(formed_on__range=(month, as_of))
            .for_table()
            .order_by("formed_on", "name")
        ),
        status_events=_status_events(month, as_of),
        desa_without_kim=dict(desa_without),
        kim_needing_check=coverage.kim_needing_check(as_of),
        kim_mandiri=list(
            KIM.objects.at_level_on(KIMLevel.MANDIRI, as_of)
            .filter(active_on=True)
            .for_table()
            .order_by("name")
        ),
    )
