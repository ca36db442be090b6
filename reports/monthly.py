"""The monthly report: every figure as of the last day of a month (or today, for the running
month), from the same definitions as the dashboard (``reports.coverage``), with the changes
against the previous month and against December of the previous year. The XLSX, PDF and CSV
files and the HTML page all render one ``MonthlyReport``; the queries do not grow with the
number of rows."""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kimtracker.dates import month_end
from kimtracker.figures import coverage_percent
from villages import scope as scopes
from villages.choices import KIMLevel
from villages.models import KIM, Kabupaten, Kecamatan, KIMStatusChange, Provinsi
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


class WilayahRequired(MonthError):
    """No wilayah was asked for and the database holds more than one kabupaten/kota: a report
    of the whole of it is not what anyone signs, so the caller asks which wilayah."""


# The code of each level: provinsi 35, kabupaten/kota 35.07, kecamatan 35.07.08.
WILAYAH_CODE = re.compile(r"^\d{2}(?:\.\d{2}){0,2}$")
_LEVELS = {2: ("provinsi", Provinsi), 5: ("kabupaten", Kabupaten), 8: ("kecamatan", Kecamatan)}


def _wilayah_name(level: str, name: str) -> str:
    """How a report names its wilayah: "Kabupaten Malang" (the register spells kabupaten and
    provinsi in capitals), "Provinsi Jawa Timur", "Kecamatan Poncokusumo"."""
    if level == "kabupaten":
        return name.title()
    if level == "provinsi":
        return _("Provinsi %(name)s") % {"name": name.title()}
    return _("Kecamatan %(name)s") % {"name": name}


def find_wilayah(code: str) -> Wilayah | None:
    """The provinsi, kabupaten/kota or kecamatan of official code ``code``, else None (also for
    a malformed code). One query, none for a malformed code."""
    code = (code or "").strip()
    if not WILAYAH_CODE.match(code):
        return None
    level, model = _LEVELS[len(code)]
    name = model.objects.filter(code=code).values_list("name", flat=True).first()
    return None if name is None else Wilayah(code, _wilayah_name(level, name), level)


def default_wilayah() -> Wilayah | None:
    """The wilayah of a report that names none: the only kabupaten/kota when the database has
    exactly one, everything ("") when it has none; None when it has several. One query."""
    kabupaten = list(Kabupaten.objects.order_by("code").values_list("code", "name")[:2])
    if not kabupaten:
        return Wilayah("", _("Semua wilayah"), "")
    if len(kabupaten) == 1:
        code, name = kabupaten[0]
        return Wilayah(code, _wilayah_name("kabupaten", name), "kabupaten")
    return None


def resolve_wilayah(code: str | None) -> Wilayah:
    """The wilayah a report asks for by code (``MonthError`` when no provinsi, kabupaten/kota
    or kecamatan has it), or without a code ``default_wilayah`` (``WilayahRequired`` when the
    database has several kabupaten/kota)."""
    code = (code or "").strip()
    if code:
        wilayah = find_wilayah(code)
        if wilayah is None:
            raise MonthError(
                _(
                    "Wilayah %(code)s tidak dikenal; tulis kode kecamatan (mis. 35.07.08), "
                    "kabupaten/kota (35.07) atau provinsi (35)."
                )
                % {"code": code}
            )
        return wilayah
    wilayah = default_wilayah()
    if wilayah is None:
        raise WilayahRequired(_("Pilih wilayah laporan: kabupaten/kota atau provinsi."))
    return wilayah


# What a reader is told when ``?wilayah=`` names a wilayah outside their scope (or one that
# does not exist) and their own wilayah is shown instead: never a figure outside it.
OUTSIDE_SCOPE = gettext_lazy(
    "Wilayah %(code)s di luar wilayah kerja Anda; ditampilkan wilayah kerja Anda."
)
UNKNOWN_IN_SCOPE = gettext_lazy(
    "Wilayah %(code)s tidak dikenal; ditampilkan wilayah kerja Anda. Tulis kode kecamatan "
    "(mis. 35.07.08), kabupaten/kota (35.07) atau provinsi (35)."
)
SEVERAL_IN_SCOPE = gettext_lazy("Pilih salah satu wilayah kerja Anda.")


def _wilayah_of_code(code: str) -> Wilayah:
    """``find_wilayah``, or for a code of a scope whose wilayah is not loaded, the code alone."""
    found = find_wilayah(code)
    if found is not None:
        return found
    level = _LEVELS.get(len(code), ("", None))[0]
    return Wilayah(code, code, level)


def scope_within(user_scope: scopes.Scope) -> coverage.Within:
    """What ``reports.coverage`` reads for a reader who asked for no wilayah: everything ("")
    for a whole-country scope, their one code, or the tuple of their codes (a union)."""
    if user_scope.is_everything:
        return ""
    if len(user_scope.codes) == 1:
        return user_scope.codes[0]
    return tuple(user_scope.codes)


def scope_wilayah(user_scope: scopes.Scope) -> Wilayah | None:
    """The wilayah a reader who asked for none sees: None for a whole-country scope (the
    pages' default, as before scopes), the one wilayah of a scope of one code, or for several
    a ``Wilayah`` with code "" naming them all (their union). One query per code."""
    if user_scope.is_everything or user_scope.is_empty:
        return None
    wilayah = [_wilayah_of_code(code) for code in user_scope.codes]
    if len(wilayah) == 1:
        return wilayah[0]
    return Wilayah("", ", ".join(w.name for w in wilayah), "")


def asked_wilayah(user_scope: scopes.Scope, code: str) -> tuple[Wilayah | None, str]:
    """``?wilayah=code`` checked against the reader's scope: ``(wilayah, "")`` when it exists
    and lies within; ``(None, message)`` when it does not exist or lies outside (the caller
    shows the reader's own wilayah, ``scope_wilayah``, and the message); ``(None, "")``
    without a code. One query (none without a code)."""
    code = (code or "").strip()
    if not code:
        return None, ""
    wilayah = find_wilayah(code)
    if wilayah is None:
        return None, str(UNKNOWN_IN_SCOPE) % {"code": code}
    if not user_scope.contains(wilayah.code):
        return None, str(OUTSIDE_SCOPE) % {"code": code}
    return wilayah, ""


def wilayah_names(codes) -> dict[str, str]:
    """The report names of ``codes`` (kabupaten/kota and provinsi; "" the whole database), a
    code alone for one not loaded. Two queries at most."""
    codes = set(codes)
    names = {code: code for code in codes}
    if "" in codes:
        names[""] = _("Seluruh basis data")
    for length, (level, model) in _LEVELS.items():
        wanted = [code for code in codes if len(code) == length]
        if wanted:
            for code, name in model.objects.filter(code__in=wanted).values_list("code", "name"):
                names[code] = _wilayah_name(level, name)
    return names


def scope_choices(user_scope: scopes.Scope) -> list[tuple[str, str]]:
    """The choices of a wilayah selector for a reader of a limited scope: each of their
    wilayah, followed by the kabupaten/kota of a provinsi and the kecamatan of a
    kabupaten/kota. A few queries per code."""
    choices = []
    for code in user_scope.codes or ():
        wilayah = _wilayah_of_code(code)
        choices.append((wilayah.code, wilayah.name))
        if wilayah.level == "provinsi":
            choices += [
                (k.code, k.name_with_provinsi.title())
                for k in Kabupaten.objects.filter(code__startswith=f"{code}.")
                .select_related("provinsi")
                .order_by("code")
            ]
        elif wilayah.level == "kabupaten":
            choices += [
                (k.code, _wilayah_name("kecamatan", k.name))
                for k in Kecamatan.objects.filter(code__startswith=f"{code}.")
                .order_by("code")
                .only("code", "name")
            ]
    return choices


def wilayah_choices(
    *, only_kabupaten: Wilayah | None = None, kecamatan=None, user_scope: scopes.Scope | None = None
) -> list[tuple[str, str]]:
    """The choices of a wilayah selector: with several kabupaten/kota, each provinsi (when
    there are several) and each kabupaten/kota; with one, it and its kecamatan. A caller that
    knows the database's only kabupaten (``only_kabupaten``) and holds its kecamatan rows (with
    ``code`` and ``name``) reads nothing; else one or two queries. A reader of a limited
    ``user_scope``: only the wilayah they may see (``scope_choices``)."""
    if user_scope is not None and not user_scope.is_everything:
        return scope_choices(user_scope)
    if only_kabupaten is not None and kecamatan is not None:
        return [(only_kabupaten.code, only_kabupaten.name)] + [
            (k.code, _wilayah_name("kecamatan", k.name)) for k in kecamatan
        ]
    # Rows, not models: the country's 514 kabupaten/kota as instances cost a dashboard ~5 ms.
    kabupaten = list(
        Kabupaten.objects.order_by("code").values_list(
            "code", "name", "provinsi__code", "provinsi__name"
        )
    )
    if len(kabupaten) > 1:
        provinsi = {
            provinsi_code: provinsi_name for _, _, provinsi_code, provinsi_name in kabupaten
        }
        choices = []
        if len(provinsi) > 1:
            choices += [
                (code, _wilayah_name("provinsi", name)) for code, name in sorted(provinsi.items())
            ]
        # As Kabupaten.name_with_provinsi names it, title-cased.
        return choices + [
            (code, f"{name} ({provinsi_name})".title())
            for code, name, _, provinsi_name in kabupaten
        ]
    choices = [(code, _wilayah_name("kabupaten", name)) for code, name, _, _ in kabupaten]
    if kecamatan is None:
        kecamatan = Kecamatan.objects.order_by("code").only("code", "name")
    return choices + [(k.code, _wilayah_name("kecamatan", k.name)) for k in kecamatan]


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
    # Whether ``wilayah`` is the one a report without a wilayah gets (``default_wilayah``):
    # its files keep the plain name, any other wilayah's name carries its code.
    wilayah_is_default: bool = True

    @property
    def by_kabupaten(self) -> bool:
        """Whether the area table has a row per kabupaten/kota (a provinsi's report) rather
        than per kecamatan."""
        return self.wilayah is not None and self.wilayah.level == "provinsi"

    @property
    def area_table_title(self) -> str:
        """The title of the area table (page heading, XLSX sheet, PDF section)."""
        return _("Per kabupaten/kota") if self.by_kabupaten else _("Per kecamatan")

    @property
    def area_chart_title(self) -> str:
        """The caption of the area table's coverage chart."""
        if self.by_kabupaten:
            return _("Cakupan desa per kabupaten/kota (%)")
        return _("Cakupan desa per kecamatan (%)")

    @property
    def file_suffix(self) -> str:
        """What a file name adds after the month: "-35.07.08" for a wilayah other than the
        default one, else nothing."""
        if self.wilayah_is_default or self.wilayah is None or not self.wilayah.code:
            return ""
        return f"-{self.wilayah.code}"

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

    def kecamatan_header(self) -> list[str]:
        """The headers of ``KECAMATAN_COLUMNS``, in the active language ("Kabupaten/kota" for
        the area column of a provinsi's report)."""
        header = [str(label) for label, _is_percent in KECAMATAN_COLUMNS]
        if self.by_kabupaten:
            header[1] = _("Kabupaten/kota")
        return header

    def kecamatan_rows(self) -> list[list]:
        """One row per kecamatan (by code; per kabupaten/kota in a provinsi's report) and a
        last row of totals, as plain values in the columns of ``KECAMATAN_COLUMNS``."""
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


def _status_events(
    start: datetime.date, end: datetime.date, *, within: str = ""
) -> list[StatusEvent]:
    """Level changes, deactivations and reactivations effective in [start, end] of the KIM
    ``within`` a wilayah code, classified against the state just before each (one query: the
    timelines of the KIM concerned)."""
    changed = KIMStatusChange.objects.filter(
        _in("kim__desa__code", within),
        effective_on__range=(start, end),
        kim__voided_at__isnull=True,
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


def _in(field: str, within: str) -> Q:
    """Rows whose wilayah code ``field`` lies within wilayah code ``within`` (everything for
    "")."""
    return Q(**{f"{field}__startswith": f"{within}."}) if within else Q()


def _kabupaten_lines(lines: list[KecamatanLine], within: str) -> list[KecamatanLine]:
    """The kecamatan lines of a provinsi added up per kabupaten/kota (by code prefix), by code,
    named as the register names them. One query (the names)."""
    names = dict(
        Kabupaten.objects.filter(_in("code", within)).order_by().values_list("code", "name")
    )
    groups: dict[str, list[KecamatanLine]] = defaultdict(list)
    for line in lines:
        groups[line.code[:5]].append(line)
    result = []
    for code in sorted(groups):
        group = groups[code]
        desa_total = sum(line.desa_total for line in group)
        desa_covered = sum(line.desa_covered for line in group)
        result.append(
            KecamatanLine(
                code=code,
                name=names[code].title() if code in names else code,
                desa_total=desa_total,
                desa_covered=desa_covered,
                coverage_percent=coverage_percent(desa_covered, desa_total),
                kim_formed=sum(line.kim_formed for line in group),
                kim_active=sum(line.kim_active for line in group),
                by_level={
                    level: sum(line.by_level[level] for line in group) for level in KIMLevel.values
                },
                new_this_month=sum(line.new_this_month for line in group),
            )
        )
    return result


def build(month: datetime.date, wilayah: Wilayah | None = None) -> MonthlyReport:
    """The report of ``month`` (first day of a month already checked by ``parse_month``) for
    ``wilayah`` (None: ``resolve_wilayah(None)``, which may raise ``WilayahRequired``): every
    figure and list of the kecamatan within it, from the same definitions as the dashboard."""
    if wilayah is None:
        wilayah, is_default = resolve_wilayah(None), True
    else:
        # Only a kabupaten can be the default one besides everything: one query for those.
        is_default = wilayah.level in ("kabupaten", "") and default_wilayah() == wilayah
    within = wilayah.code
    as_of = report_date(month)
    previous_month_end = month - datetime.timedelta(days=1)
    previous_december = datetime.date(month.year - 1, 12, 31)
    summary = coverage.summary(as_of, within)
    new_counts = dict(
        KIM.objects.counted()
        .filter(_in("desa__code", within), formed_on__range=(month, as_of))
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
    if wilayah.level == "provinsi":
        kecamatan = _kabupaten_lines(kecamatan, within)
    desa_without: dict[str, list[coverage.DesaLine]] = defaultdict(list)
    for desa in coverage.desa_without_active_kim(as_of, within=within):
        desa_without[desa.kecamatan.name].append(desa)
    return MonthlyReport(
        month=month,
        as_of=as_of,
        generated_at=timezone.localtime(),
        area_name=wilayah.name,
        summary=summary,
        previous_month=coverage.summary(previous_month_end, within),
        previous_december=coverage.summary(previous_december, within),
        kecamatan=kecamatan,
        formed_this_month=list(
            KIM.objects.counted()
            .filter(_in("desa__code", within), formed_on__range=(month, as_of))
            .for_table()
            .order_by("formed_on", "name")
        ),
        status_events=_status_events(month, as_of, within=within),
        desa_without_kim=dict(desa_without),
        kim_needing_check=coverage.kim_needing_check(as_of, within=within),
        kim_mandiri=list(
            KIM.objects.at_level_on(KIMLevel.MANDIRI, as_of)
            .filter(_in("desa__code", within), active_on=True)
            .for_table()
            .order_by("name")
        ),
        wilayah=wilayah,
        wilayah_is_default=is_default,
        # Demo data counted in this report: every file and page says so.
        is_demo=KIM.objects.counted()
        .filter(_in("desa__code", within), is_demo=True, formed_on__lte=as_of)
        .exists(),
    )
