"""Published monthly reports: what a Kepala Dinas signs, kept so that it never changes
underneath (DESIGN.md section 1).

A manager asks to publish a month's report for a wilayah (``request_publication``); the work
itself (``run``: the figures read in one consistent snapshot, the XLSX, PDF and CSV files) runs
as a background job (``reports.tasks``), since a province's PDF takes longer than a web request
should. A publication keeps every figure and list of the report (``snapshot``, with the SHA-256
printed on the PDF), the files byte for byte with their SHA-256, its document number, who and
when. Later writes dated inside the month are allowed and recorded; the report page then shows
``difference``: the published figures against today's, and the writes that made the change
(which KIM, who, when). A revision is a new publication with a reason; every version stays.
"""

import dataclasses
import datetime
import hashlib
import json
import logging
from collections.abc import Callable
from functools import partial

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kimtracker.dates import month_end
from kimtracker.roles import PERM_PUBLISH
from villages.models import KIM, KIMActivity, KIMStatusChange

from . import exports, monthly
from .models import Publication, PublicationFile

logger = logging.getLogger(__name__)

FORMATS = ("pdf", "xlsx", "csv")
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# How many writes the report page lists as the causes of a difference (the count is always
# given in full).
CAUSES_SHOWN = 200


# Asking --------------------------------------------------------------------------------------


def publications_of(month: datetime.date, wilayah_code: str):
    """Every publication of a month's report for a wilayah, first first."""
    return Publication.objects.filter(month=month, wilayah_code=wilayah_code).order_by("revision")


def current(month: datetime.date, wilayah_code: str) -> Publication | None:
    """The newest completed publication of a month and wilayah: the one in force."""
    return (
        publications_of(month, wilayah_code)
        .filter(status=Publication.Status.DONE)
        .order_by("-revision")
        .first()
    )


def document_number(month: datetime.date, wilayah_code: str, seq: int) -> str:
    """The document number of ``KIM_REPORT_NUMBER_FORMAT`` (e.g. ``001/KIM/DISKOMINFO/VI/2023``)."""
    return settings.KIM_REPORT_NUMBER_FORMAT.format(
        seq=seq,
        month_roman=ROMAN_MONTHS[month.month - 1],
        month=month.month,
        year=month.year,
        wilayah=wilayah_code,
    )


def _next_number(month: datetime.date, wilayah_code: str) -> str:
    """A number its office has not given yet: the running number counts the office's
    publications of the report's year (its every wilayah and revision), so each kabupaten/kota
    office sharing a deployment numbers its own documents from 001 (``Publication.office_of``)."""
    office = Publication.office_of(wilayah_code)
    given = Publication.objects.filter(office_code=office)
    seq = given.filter(month__year=month.year).count() + 1
    while True:
        number = document_number(month, wilayah_code, seq)
        if not given.filter(number=number).exists():
            return number
        seq += 1


def request_publication(
    month: datetime.date,
    wilayah: monthly.Wilayah,
    *,
    by,
    reason: str = "",
    site_url: str | None = None,
    enqueue: Callable[[int], None] | None = None,
) -> Publication:
    """Ask for the report of ``month`` (a complete month) for ``wilayah`` to be published: a
    first publication, or a revision (with ``reason``) of the one in force. A failed attempt is
    taken up again with its number. ``by`` needs the publish permission (None: the system, from
    the command line). The work is queued (``enqueue``, default the background job) once the
    request is committed. Raises ``ValidationError`` with the reason in Bahasa Indonesia."""
    if by is not None and not by.has_perm(PERM_PUBLISH):
        raise PermissionDenied(_("Hanya Manajer yang dapat menerbitkan laporan."))
    if month_end(month.year, month.month) >= timezone.localdate():
        raise ValidationError(
            _("Laporan bulan berjalan belum dapat diterbitkan; terbitkan setelah bulan berakhir.")
        )
    reason = (reason or "").strip()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                publication = _record_request(month, wilayah, by, reason, site_url)
        except IntegrityError:
            # Two managers at once: the other took the number or the revision; ask again.
            continue
        transaction.on_commit(partial(enqueue or _enqueue, publication.pk))
        return publication
    raise ValidationError(_("Laporan ini sedang diterbitkan oleh pengguna lain; coba lagi."))


def _record_request(month, wilayah, by, reason, site_url) -> Publication:
    existing = list(publications_of(month, wilayah.code).select_for_update().order_by("revision"))
    latest = existing[-1] if existing else None
    if latest and latest.status in (Publication.Status.QUEUED, Publication.Status.RUNNING):
        raise ValidationError(
            _("Laporan ini sedang diterbitkan (%(number)s); tunggu sampai selesai.")
            % {"number": latest.number}
        )
    revision = (
        latest.revision + 1 if latest and latest.is_done else (latest.revision if latest else 1)
    )
    if revision > 1 and not reason:
        raise ValidationError(
            {"reason": _("Sebutkan alasan revisi: apa yang berubah sejak terbitan terakhir.")}
        )
    if latest and latest.status == Publication.Status.FAILED:
        latest.status, latest.progress, latest.error = Publication.Status.QUEUED, "", ""
        latest.requested_by, latest.reason = by, reason if revision > 1 else latest.reason
        latest.requested_at = timezone.now()
        latest.save()
        return latest
    publication = Publication(
        month=month,
        wilayah_code=wilayah.code,
        wilayah_name=wilayah.name,
        revision=revision,
        office_code=Publication.office_of(wilayah.code),
        number=_next_number(month, wilayah.code),
        reason=reason if revision > 1 else "",
        requested_by=by,
    )
    base = (site_url or settings.KIM_SITE_URL).rstrip("/")
    publication.verification_url = base + reverse("reports:verify", args=[publication.public_id])
    publication.full_clean()
    publication.save()
    return publication


def _enqueue(publication_id: int) -> None:
    from .tasks import publish_report

    publish_report.enqueue(publication_id)


# Doing ---------------------------------------------------------------------------------------


def _set_progress(publication: Publication, **fields) -> None:
    """Record a step at once (outside any transaction), so the waiting page shows it."""
    Publication.objects.filter(pk=publication.pk).update(**fields)


def _read_consistently(month: datetime.date, wilayah: monthly.Wilayah):
    """The report and its progress series read from one snapshot of the database: on
    PostgreSQL in a REPEATABLE READ transaction (a write committed meanwhile is either wholly
    in or wholly out); SQLite runs one writer at a time and reads in one transaction too."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        # Only the transaction's first statement may set its isolation: inside a caller's
        # transaction (a test's, a command's) the reads share that one.
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        report = monthly.build(month, wilayah)
        series = exports.progress_series(report)
    return report, series


def run(publication_id: int) -> Publication:
    """Make a requested publication: read the report, keep its content and files. On failure
    the publication says why (``error``) and can be asked for again; nothing half-made is
    kept."""
    publication = Publication.objects.get(pk=publication_id)
    if publication.status not in (Publication.Status.QUEUED, Publication.Status.RUNNING):
        return publication
    try:
        with translation.override(exports.DEFAULT_LANGUAGE):
            _make(publication)
    except Exception as error:  # noqa: BLE001 - any failure is recorded on the publication
        logger.exception("Publishing %s failed", publication.number)
        _set_progress(
            publication,
            status=Publication.Status.FAILED,
            progress="",
            error=str(error)[:2000] or error.__class__.__name__,
        )
    publication.refresh_from_db()
    return publication


def _make(publication: Publication) -> None:
    _set_progress(publication, status=Publication.Status.RUNNING, progress=_("Menghitung angka"))
    wilayah = monthly.resolve_wilayah(publication.wilayah_code or None)
    report, series = _read_consistently(publication.month, wilayah)
    content = snapshot(report)
    digest = content_hash(content)
    previous = current(publication.month, publication.wilayah_code)
    if previous and previous.revision < publication.revision and previous.content == content:
        raise ValidationError(
            _("Tidak ada perubahan sejak %(number)s; revisi tidak diterbitkan.")
            % {"number": previous.number}
        )
    published_at = timezone.now()
    stamp = exports.Stamp(
        number=publication.number,
        label=publication.label,
        reason=publication.reason,
        content_sha256=digest,
        verification_url=publication.verification_url,
        qr_svg=qr_svg(publication.verification_url),
        published_at=published_at,
    )
    files = {}
    for kind, label in (("csv", "CSV"), ("xlsx", "XLSX"), ("pdf", "PDF")):
        _set_progress(publication, progress=_("Membuat %(kind)s") % {"kind": label})
        if kind == "pdf":
            files[kind] = exports.to_pdf(report, stamp=stamp, series=series)
        elif kind == "xlsx":
            files[kind] = exports.to_xlsx(report, stamp=stamp)
        else:
            files[kind] = exports.to_csv(report)
    _set_progress(publication, progress=_("Menyimpan"))
    with transaction.atomic():
        PublicationFile.objects.bulk_create(
            PublicationFile(
                publication=publication,
                format=kind,
                content=data,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
            )
            for kind, data in files.items()
        )
        Publication.objects.filter(pk=publication.pk).update(
            status=Publication.Status.DONE,
            progress="",
            error="",
            published_at=published_at,
            as_of=report.as_of,
            is_demo=report.is_demo,
            content=content,
            content_sha256=digest,
        )


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (segno), for the PDF."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def file_of(publication: Publication, kind: str) -> PublicationFile:
    return publication.files.get(format=kind)


def filename(publication: Publication, kind: str) -> str:
    """``laporan-kim-2023-06-35.07-terbitan-1.pdf``."""
    wilayah = f"-{publication.wilayah_code}" if publication.wilayah_code else ""
    return f"laporan-kim-{publication.month:%Y-%m}{wilayah}-terbitan-{publication.revision}.{kind}"


# What a publication keeps -------------------------------------------------------------------


def snapshot(report: monthly.MonthlyReport) -> dict:
    """Every figure and list of ``report`` as plain JSON values (no personal data): what a
    publication keeps and what a later difference is measured against."""
    target = report.summary.target
    return {
        "month": report.label,
        "as_of": report.as_of.isoformat(),
        "wilayah": dataclasses.asdict(report.wilayah) if report.wilayah else None,
        "is_demo": report.is_demo,
        "figures": {
            figure.key: {
                "label": figure.label,
                "value": figure.value,
                "is_percent": figure.is_percent,
                "vs_previous_month": figure.vs_previous_month,
                "vs_previous_december": figure.vs_previous_december,
            }
            for figure in report.figures()
        },
        "target": (
            {
                "year": target.year,
                "kim_count": target.kim_count,
                "reached": report.target_reached,
                "missing": report.summary.target_missing,
            }
            if target
            else None
        ),
        "areas": {"header": report.kecamatan_header(), "rows": report.kecamatan_rows()},
        "formed": [
            {
                "id": kim.pk,
                "name": kim.name,
                "formed_on": kim.formed_on.isoformat(),
                "desa_code": kim.desa.code,
                "desa": kim.desa.name,
                "kecamatan": kim.desa.kecamatan.name,
            }
            for kim in report.formed_this_month
        ],
        "status_events": [
            {
                "kim_id": event.kim.pk,
                "name": event.kim.name,
                "effective_on": event.effective_on.isoformat(),
                "kind": event.kind,
                "level": event.level,
            }
            for event in report.status_events
        ],
        "desa_without_kim": [
            desa.code for desas in report.desa_without_kim.values() for desa in desas
        ],
        "kim_needing_check": [
            {"id": kim.pk, "name": kim.name, "desa_code": kim.desa.code}
            for kim in report.kim_needing_check
        ],
        "kim_mandiri": [{"id": kim.pk, "name": kim.name} for kim in report.kim_mandiri],
    }


def content_hash(content: dict) -> str:
    """SHA-256 of the content as canonical JSON (sorted keys, no spaces): the hash printed on
    the PDF and on the verification page."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# What changed since -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Change:
    """One value that differs: as published and as it is now."""

    label: str
    published: object
    now: object
    is_percent: bool = False

    @property
    def delta(self):
        if isinstance(self.published, int | float) and isinstance(self.now, int | float):
            return round(self.now - self.published, 1)
        return None


@dataclasses.dataclass(frozen=True)
class AreaChanges:
    """The values of one area's row (a kecamatan, or a kabupaten in a province's report) that
    differ."""

    name: str
    changes: list[Change]


@dataclasses.dataclass(frozen=True)
class Cause:
    """A write recorded after the publication that touches the month: which KIM, what, who,
    when."""

    kim_id: int
    kim_name: str
    what: str
    by: str
    at: datetime.datetime
    reason: str = ""

    def get_absolute_url(self) -> str:
        return reverse("villages:kim_detail", args=[self.kim_id])


@dataclasses.dataclass(frozen=True)
class Difference:
    publication: Publication
    figures: list[Change]
    areas: list[AreaChanges]
    lists: list[Change]
    kim_added: list[dict]
    kim_removed: list[dict]
    causes: list[Cause]
    causes_total: int

    @property
    def changed(self) -> bool:
        return bool(self.figures or self.areas or self.lists)


def difference(publication: Publication, report: monthly.MonthlyReport) -> Difference:
    """``report`` (computed now) against what ``publication`` kept: figure by figure, area by
    area, the lists, and the writes recorded since the publication that caused it."""
    with translation.override(exports.DEFAULT_LANGUAGE):
        now = snapshot(report)
    then = publication.content
    figures = [
        Change(
            label=str(label),
            published=then["figures"][key]["value"],
            now=now["figures"][key]["value"],
            is_percent=is_percent,
        )
        for key, label, is_percent in monthly.FIGURES
        if key in then["figures"] and then["figures"][key]["value"] != now["figures"][key]["value"]
    ]
    header = now["areas"]["header"]
    percent = [is_percent for _label, is_percent in monthly.KECAMATAN_COLUMNS]
    published_rows = {(row[0], row[1]): row for row in then["areas"]["rows"]}
    areas = []
    # Each area's row (the total row is the headline figures, above).
    for row in now["areas"]["rows"][:-1]:
        before = published_rows.get((row[0], row[1]))
        if before is None:
            continue
        changes = [
            Change(
                label=header[column],
                published=before[column],
                now=row[column],
                is_percent=percent[column] if column < len(percent) else False,
            )
            for column in range(2, min(len(row), len(before), len(header)))
            if row[column] != before[column]
        ]
        if changes:
            areas.append(AreaChanges(name=row[1], changes=changes))
    lists = []
    for key, label in (
        ("formed", _("KIM dibentuk bulan ini")),
        ("status_events", _("Perubahan status bulan ini")),
        ("desa_without_kim", _("Desa/kelurahan tanpa KIM aktif")),
        ("kim_needing_check", _("KIM perlu verifikasi")),
        ("kim_mandiri", _("KIM Berdaya/Mandiri")),
    ):
        if then.get(key) != now.get(key):
            lists.append(Change(label=str(label), published=len(then[key]), now=len(now[key])))
    then_ids = {kim["id"] for kim in then["formed"]}
    now_ids = {kim["id"] for kim in now["formed"]}
    causes, total = _causes(publication, report)
    return Difference(
        publication=publication,
        figures=figures,
        areas=areas,
        lists=lists,
        kim_added=[kim for kim in now["formed"] if kim["id"] not in then_ids],
        kim_removed=[kim for kim in then["formed"] if kim["id"] not in now_ids],
        causes=causes,
        causes_total=total,
    )


# The KIM fields whose change moves a report's figures or lists.
_REPORTED_FIELDS = ("name", "formed_on", "desa_id", "voided_at")


def _within(prefix: str, path: str) -> dict:
    return {f"{path}__startswith": f"{prefix}."} if prefix else {}


def _causes(publication: Publication, report: monthly.MonthlyReport) -> tuple[list[Cause], int]:
    """Writes recorded after ``publication`` that bear on its month (dated on or before its
    as-of date) within its wilayah: KIM registered, edited in a reported field or voided;
    status changes; activities. Newest first; at most ``CAUSES_SHOWN`` (and the total)."""
    since, as_of, prefix = publication.published_at, report.as_of, publication.wilayah_code
    causes: list[Cause] = []
    # KIM records: every version of the KIM changed since, to tell what each change did.
    touched = (
        KIM.history.filter(history_date__gt=since, **_within(prefix, "desa__code"))
        .values("id")
        .distinct()
    )
    history = (
        KIM.history.filter(id__in=touched)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
        .only(
            "id",
            "name",
            "formed_on",
            "desa_id",
            "voided_at",
            "history_date",
            "history_type",
            "history_change_reason",
            "history_user__username",
        )
    )
    previous = None
    for record in history:
        before = previous if previous is not None and previous.id == record.id else None
        previous = record
        if record.history_date <= since:
            continue
        dated_inside = record.formed_on <= as_of or (before and before.formed_on <= as_of)
        if not dated_inside:
            continue
        if before is None or record.history_type == "+":
            what = _("didaftarkan (dibentuk %(date)s)") % {"date": record.formed_on.isoformat()}
        else:
            changed = [f for f in _REPORTED_FIELDS if getattr(record, f) != getattr(before, f)]
            if not changed:
                continue
            if "voided_at" in changed and record.voided_at:
                what = _("dibatalkan")
            elif "formed_on" in changed:
                what = _("tanggal pembentukan %(old)s → %(new)s") % {
                    "old": before.formed_on.isoformat(),
                    "new": record.formed_on.isoformat(),
                }
            elif "desa_id" in changed:
                what = _("pindah desa")
            else:
                what = _("nama diubah: %(old)s → %(new)s") % {
                    "old": before.name,
                    "new": record.name,
                }
        causes.append(
            Cause(
                kim_id=record.id,
                kim_name=record.name,
                what=what,
                by=record.history_user.username if record.history_user else "",
                at=record.history_date,
                reason=record.history_change_reason or "",
            )
        )
    # A status change, not the opening entry a registration writes (the registration is
    # listed above).
    earlier = KIMStatusChange.objects.filter(kim=OuterRef("kim"), pk__lt=OuterRef("pk"))
    for change in (
        KIMStatusChange.objects.filter(
            Exists(earlier),
            recorded_at__gt=since,
            effective_on__lte=as_of,
            **_within(prefix, "kim__desa__code"),
        )
        .select_related("kim", "recorded_by")
        .only(
            "kim__name",
            "effective_on",
            "level",
            "is_active",
            "note",
            "recorded_at",
            "recorded_by__username",
        )
    ):
        causes.append(
            Cause(
                kim_id=change.kim_id,
                kim_name=change.kim.name,
                what=_("perubahan status berlaku %(date)s")
                % {"date": change.effective_on.isoformat()},
                by=change.recorded_by.username if change.recorded_by else "",
                at=change.recorded_at,
                reason=change.note,
            )
        )
    for activity in (
        KIMActivity.objects.filter(
            recorded_at__gt=since, occurred_on__lte=as_of, **_within(prefix, "kim__desa__code")
        )
        .select_related("kim", "recorded_by")
        .only("kim__name", "occurred_on", "recorded_at", "recorded_by__username")
    ):
        causes.append(
            Cause(
                kim_id=activity.kim_id,
                kim_name=activity.kim.name,
                what=_("kegiatan %(date)s dicatat") % {"date": activity.occurred_on.isoformat()},
                by=activity.recorded_by.username if activity.recorded_by else "",
                at=activity.recorded_at,
            )
        )
    causes.sort(key=lambda cause: cause.at, reverse=True)
    return causes[:CAUSES_SHOWN], len(causes)


def newer_revision(publication: Publication) -> Publication | None:
    """The newest completed publication of the same month and wilayah after ``publication``."""
    return (
        publications_of(publication.month, publication.wilayah_code)
        .filter(status=Publication.Status.DONE, revision__gt=publication.revision)
        .order_by("-revision")
        .first()
    )
