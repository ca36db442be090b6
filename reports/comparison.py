"""Wilayah side by side: the areas of a wilayah (the kabupaten/kota of a provinsi, the
kecamatan of a kabupaten/kota, the provinsi of the country) each with its headline figures as
of a date, for a provincial office comparing its kabupaten offices.

Every figure is the one the area's own dashboard shows (``coverage.area_summaries`` is
``coverage.within_summary`` per area; the KIM needing a check are the dashboard's definition
added up per kecamatan), so a row agrees to the unit with the dashboard one click below it and
the rows add up to the wilayah's total. The files (CSV, XLSX) hold the same rows as the page.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kimtracker.downloads import csv_bytes
from villages.models import KIM, Kabupaten, Provinsi

from . import coverage, xlsx
from .exports import demo_notice

LEVEL_LABELS = {
    "provinsi": gettext_lazy("Provinsi"),
    "kabupaten": gettext_lazy("Kabupaten/kota"),
    "kecamatan": gettext_lazy("Kecamatan"),
}


@dataclass(frozen=True)
class AreaRow:
    """One area's figures: its ``coverage.Summary`` and its KIM needing a check."""

    code: str
    name: str
    level: str
    summary: coverage.Summary
    kim_needing_check: int

    # The columns, read by the table (``reports.tables.ComparisonTable``) and the files.
    @property
    def desa_total(self) -> int:
        return self.summary.desa_total

    @property
    def desa_covered(self) -> int:
        return self.summary.desa_covered

    @property
    def coverage_percent(self) -> float:
        return self.summary.coverage_percent

    @property
    def kim_formed(self) -> int:
        return self.summary.kim_formed

    @property
    def kim_active(self) -> int:
        return self.summary.kim_active

    @property
    def target_year(self) -> int | None:
        return self.summary.target.year if self.summary.target else None

    @property
    def target(self) -> int | None:
        return self.summary.target.kim_count if self.summary.target else None

    @property
    def target_percent(self) -> float | None:
        return self.summary.target_percent

    @property
    def target_missing(self) -> int | None:
        return self.summary.target_missing


@dataclass(frozen=True)
class Comparison:
    """The areas of one wilayah on one date, in code order, with the wilayah's total."""

    on: datetime.date
    within: coverage.Within
    level: str
    rows: list[AreaRow]
    total: AreaRow

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])


def area_level(summary: coverage.Summary) -> str:
    """The level whose areas are compared: provinsi when the summary's kecamatan lie in
    several, else kabupaten/kota when in several, else kecamatan. A provinsi's summary thus
    compares its kabupaten/kota, a kabupaten's its kecamatan."""
    if summary.spans_several("provinsi"):
        return "provinsi"
    if summary.spans_several("kabupaten"):
        return "kabupaten"
    return "kecamatan"


def _names(level: str, summaries: dict[str, coverage.Summary]) -> dict[str, str]:
    """Each area's name: a kecamatan's is in its row; a kabupaten/kota's or provinsi's is read
    (one query, only the areas shown)."""
    if level == "kecamatan":
        return {code: s.kecamatan[0].name for code, s in summaries.items()}
    model = Kabupaten if level == "kabupaten" else Provinsi
    return dict(model.objects.filter(code__in=list(summaries)).values_list("code", "name"))


def build(
    on: datetime.date,
    within: coverage.Within = "",
    *,
    summary: coverage.Summary | None = None,
) -> Comparison:
    """The comparison of the areas ``within`` a wilayah (a code, a tuple of codes, or "" for
    everything) as of ``on``; ``summary``: that wilayah's ``coverage.summary`` when the caller
    has it already (the dashboard). Two queries when the figures are cached: the areas' names
    and (once per date) the KIM needing a check per kecamatan."""
    if summary is None:
        everything = coverage.summary(on)
        summary = coverage.within_summary(everything, within) if within else everything
    level = area_level(summary)
    summaries = coverage.area_summaries(summary, level)
    names = _names(level, summaries)
    per_kecamatan = coverage.needing_check_per_kecamatan(on)

    def needing(s: coverage.Summary) -> int:
        return sum(per_kecamatan.get(k.pk, 0) for k in s.kecamatan)

    rows = [
        AreaRow(code, names.get(code, code), level, s, needing(s)) for code, s in summaries.items()
    ]
    total = AreaRow("", _("Jumlah"), "", summary, sum(r.kim_needing_check for r in rows))
    return Comparison(on=on, within=within, level=level, rows=rows, total=total)


def has_demo(comparison: Comparison) -> bool:
    """Whether demo KIM (``KIM.is_demo``) formed by the date count in the compared wilayah:
    the page and the files then say so, as the monthly report's do. One query."""
    return (
        KIM.objects.counted()
        .filter(
            coverage.within_q("desa__code", comparison.within),
            is_demo=True,
            formed_on__lte=comparison.on,
        )
        .exists()
    )


# The table on the pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the table: the ``AreaRow`` attribute it shows (and sorts by), its heading,
    whether it is a percentage, and the Bootstrap breakpoint below which a phone hides it."""

    key: str
    label: str
    percent: bool = False
    hide_below: str = ""

    @property
    def classes(self) -> str:
        """Its cells' classes: figures right-aligned, hidden below ``hide_below``."""
        hidden = f" d-none d-{self.hide_below}-table-cell" if self.hide_below else ""
        return f"text-end{hidden}"


COLUMNS = (
    Column("desa_total", gettext_lazy("Desa/kel."), hide_below="md"),
    Column("desa_covered", gettext_lazy("Desa/kel. dengan KIM aktif"), hide_below="md"),
    Column("coverage_percent", gettext_lazy("Cakupan (%)"), percent=True),
    Column("kim_formed", gettext_lazy("KIM dibentuk"), hide_below="sm"),
    Column("kim_active", gettext_lazy("KIM aktif"), hide_below="sm"),
    Column("kim_needing_check", gettext_lazy("KIM perlu verifikasi"), hide_below="lg"),
    Column("target", gettext_lazy("Target KIM"), hide_below="lg"),
    Column("target_percent", gettext_lazy("Capaian target (%)"), percent=True),
    Column("target_missing", gettext_lazy("Kekurangan KIM"), hide_below="lg"),
)
SORT_KEYS = ("name", *(column.key for column in COLUMNS))


@dataclass(frozen=True)
class Sorted:
    """The rows in the order ``?sort=`` asked for (``key`` or ``-key``, one of ``SORT_KEYS``;
    anything else: code order), areas without the figure (no target) last either way."""

    rows: list[AreaRow]
    key: str
    descending: bool


def sort_rows(rows: list[AreaRow], asked: str | None) -> Sorted:
    asked = (asked or "").strip()
    descending = asked.startswith("-")
    key = asked.lstrip("-")
    if key not in SORT_KEYS:
        return Sorted(list(rows), "", False)
    present = [row for row in rows if getattr(row, key) is not None]
    absent = [row for row in rows if getattr(row, key) is None]
    present.sort(key=lambda row: (getattr(row, key), row.code), reverse=descending)
    return Sorted(present + absent, key, descending)


# Files ---------------------------------------------------------------------------------------


def header(comparison: Comparison) -> list[str]:
    return [
        _("Kode"),
        comparison.level_label,
        _("Jumlah desa/kel."),
        _("Desa/kel. dengan KIM aktif"),
        _("Cakupan (%)"),
        _("KIM dibentuk"),
        _("KIM aktif"),
        _("KIM perlu verifikasi"),
        _("Tahun target"),
        _("Target KIM"),
        _("Capaian target (%)"),
        _("Kekurangan KIM"),
    ]


def values(row: AreaRow) -> list:
    return [
        row.code,
        row.name,
        row.desa_total,
        row.desa_covered,
        row.coverage_percent,
        row.kim_formed,
        row.kim_active,
        row.kim_needing_check,
        row.target_year,
        row.target,
        row.target_percent,
        row.target_missing,
    ]


def filename(comparison: Comparison, within: coverage.Within, extension: str) -> str:
    """``perbandingan-35-2026-12-01.csv``: the wilayah's code ("semua" for everything,
    "wilayah-kerja" for the union of a reader's wilayah) and the date."""
    wilayah = within if isinstance(within, str) else "wilayah-kerja"
    wilayah = wilayah or "semua"
    return f"perbandingan-{wilayah}-{comparison.on.isoformat()}.{extension}"


def _title(comparison: Comparison, wilayah_name: str) -> str:
    return _("Perbandingan %(level)s %(wilayah)s per %(date)s") % {
        "level": comparison.level_label.lower(),
        "wilayah": wilayah_name,
        "date": comparison.on.strftime("%d/%m/%Y"),
    }


def to_csv(comparison: Comparison, wilayah_name: str, *, is_demo: bool) -> bytes:
    """A title line (and, on demo data, the demo notice), the header, one line per area and
    the total (``csv_bytes``: UTF-8 with a BOM, no cell a formula)."""
    notice = [[demo_notice()]] if is_demo else []
    return csv_bytes(
        [
            *notice,
            [_title(comparison, wilayah_name)],
            header(comparison),
            *(values(row) for row in comparison.rows),
            values(comparison.total),
        ]
    )


def to_xlsx(comparison: Comparison, wilayah_name: str, *, is_demo: bool) -> bytes:
    """One sheet: the areas and the total row, numbers as numbers, the title and the date in
    the printed header (and the demo notice on demo data)."""
    book = xlsx.Book(title=_title(comparison, wilayah_name))
    percent = book.format(num_format=xlsx.PERCENT_FORMAT)
    sheet, count = book.table(
        _("Perbandingan"),
        header(comparison),
        [12, 28, 10, 12, 10, 10, 10, 12, 8, 10, 12, 10],
        (values(row) for row in comparison.rows),
        freeze_columns=2,
        column_formats={4: percent, 10: percent},
    )
    total = values(comparison.total)
    for column, value in enumerate(total):
        fmt = (
            book.format(bold=True, num_format=xlsx.PERCENT_FORMAT)
            if column in (4, 10)
            else (book.bold)
        )
        sheet.write(count + 1, column, value, fmt)
    printed = _title(comparison, wilayah_name)
    if is_demo:
        printed = f"{demo_notice()} {printed}"
    sheet.set_header("&C&B" + printed.replace("&", "&&"))
    if is_demo:
        sheet.write_string(
            count + 3, 0, demo_notice(), book.format(bold=True, font_color="#B02A37")
        )
    return book.close()
