"""Published monthly reports (``reports.publishing``): publishing and revising (Manajer), each
published version and its files byte for byte, and the public verification page a printed
report's QR code leads to."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from kimtracker import roles
from kimtracker.dates import month_end
from kimtracker.downloads import attachment, offered_format
from villages import scope

from . import monthly, publishing
from .forms import PublishForm
from .models import Publication
from .views import ReaderScopeMixin

# A publication still being made is shown with this many seconds between automatic reloads.
PROGRESS_REFRESH_SECONDS = 3
STALLED_AFTER = datetime.timedelta(minutes=2)


def report_url(month: datetime.date, wilayah_code: str = "") -> str:
    url = reverse("reports:monthly", args=[month.strftime("%Y-%m")])
    return f"{url}?{urlencode({'wilayah': wilayah_code})}" if wilayah_code else url


def publication_url(publication: Publication, kind: str = "") -> str:
    url = reverse(
        "reports:publication", args=[publication.month.strftime("%Y-%m"), publication.revision]
    )
    query = {"wilayah": publication.wilayah_code} if publication.wilayah_code else {}
    if kind:
        query["format"] = kind
    return f"{url}?{urlencode(query)}" if query else url


def panel(request, report: monthly.MonthlyReport) -> dict:
    """The report page's publication panel: every version of this month and wilayah, the one
    in force, a publication being made, what changed since the one in force, and the form to
    publish or revise (for a Manajer, on a complete month)."""
    wilayah_code = report.wilayah.code if report.wilayah else ""
    versions = list(
        publishing.publications_of(report.month, wilayah_code).select_related("requested_by")
    )
    in_force = next((p for p in reversed(versions) if p.is_done), None)
    pending = next((p for p in versions if p.status in ("queued", "running")), None)
    failed = versions[-1] if versions and versions[-1].status == "failed" else None
    difference = publishing.difference(in_force, report) if in_force else None
    can_publish = (
        request.user.has_perm(roles.PERM_PUBLISH)
        and scope.of(request.user).contains(wilayah_code)
        and report.as_of == month_end(report.month.year, report.month.month)
        and pending is None
    )
    for version in versions:
        version.url = publication_url(version)
    return {
        "publications": versions,
        "publication_in_force": in_force,
        "publication_pending": pending,
        "publication_failed": failed,
        "difference": difference,
        "can_publish": can_publish and (in_force is None or difference.changed),
        "publish_form": PublishForm(revision=in_force is not None),
        "publish_url": reverse("reports:publish", args=[report.label]),
    }


class PublishView(PermissionRequiredMixin, ReaderScopeMixin, View):
    """``POST /laporan/bulanan/YYYY-MM/terbitkan/``: publish the month's report for
    ``wilayah`` (a revision, with a reason, when one is already in force); only a wilayah
    within the Manajer's scope (without one: their own, when they have exactly one)."""

    permission_required = (roles.PERM_REPORTS, roles.PERM_PUBLISH)
    http_method_names = ["post"]

    def post(self, request, month):
        code = request.POST.get("wilayah", "").strip()
        user_scope = self.user_scope
        try:
            first_day = monthly.parse_month(month)
            if not code and not user_scope.is_everything:
                own = monthly.scope_wilayah(user_scope)
                if not own.code:
                    raise monthly.WilayahRequired(str(monthly.SEVERAL_IN_SCOPE))
                code = own.code
            wilayah = monthly.resolve_wilayah(code or None)
        except monthly.MonthError as error:
            messages.error(request, str(error))
            return redirect(reverse("reports:index"))
        back = report_url(first_day, code)
        if not user_scope.contains(wilayah.code):
            messages.error(
                request,
                _(
                    "Wilayah %(code)s di luar wilayah kerja Anda: laporannya tidak dapat "
                    "diterbitkan."
                )
                % {"code": wilayah.code or code},
            )
            return redirect(report_url(first_day))
        in_force = publishing.current(first_day, wilayah.code)
        form = PublishForm(request.POST, revision=in_force is not None)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        try:
            publication = publishing.request_publication(
                first_day,
                wilayah,
                by=request.user,
                reason=form.cleaned_data["reason"],
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(back)
        publication.refresh_from_db()
        if publication.is_done:
            messages.success(
                request,
                _("Laporan %(month)s terbit dengan nomor %(number)s.")
                % {"month": first_day.strftime("%Y-%m"), "number": publication.number},
            )
        elif publication.status == Publication.Status.FAILED:
            messages.error(
                request,
                _("Penerbitan gagal: %(error)s") % {"error": publication.error},
            )
            return redirect(back)
        else:
            messages.info(
                request,
                _("Laporan sedang diterbitkan (%(number)s); halaman ini menunjukkan langkahnya.")
                % {"number": publication.number},
            )
        return redirect(publication_url(publication))


class PublicationView(PermissionRequiredMixin, ReaderScopeMixin, View):
    """``/laporan/bulanan/YYYY-MM/terbitan/<n>/``: one published version, its figures as
    published and its files; ``?format=pdf|xlsx|csv`` gives a file byte for byte as it was
    published. While it is being made, its progress (the page reloads itself). Only a
    publication of a wilayah within the reader's scope (else 404)."""

    permission_required = roles.PERM_REPORTS
    formats = publishing.FORMATS

    def get(self, request, month, revision):
        kind = offered_format(request.GET.get("format"), self.formats)
        try:
            first_day = monthly.parse_month(month)
        except monthly.MonthError as error:
            raise Http404(str(error)) from error
        code = request.GET.get("wilayah", "").strip()
        user_scope = self.user_scope
        if not code and not user_scope.is_everything:
            code = monthly.scope_wilayah(user_scope).code
        if not code:
            try:
                code = monthly.resolve_wilayah(None).code
            except monthly.MonthError as error:
                raise Http404(str(error)) from error
        if not user_scope.contains(code):
            raise Http404(_("Terbitan ini di luar wilayah kerja Anda."))
        publication = get_object_or_404(
            Publication.objects.select_related("requested_by"),
            month=first_day,
            wilayah_code=code,
            revision=revision,
        )
        if kind:
            if not publication.is_done:
                raise Http404(_("Terbitan ini belum selesai dibuat."))
            stored = publishing.file_of(publication, kind)
            return attachment(bytes(stored.content), publishing.filename(publication, kind), kind)
        newer = publishing.newer_revision(publication)
        files = list(publication.files.defer("content")) if publication.is_done else []
        for stored in files:
            stored.url = publication_url(publication, stored.format)
        return render(
            request,
            "reports/publication.html",
            {
                "publication": publication,
                "newer": newer,
                "newer_url": publication_url(newer) if newer else "",
                "files": files,
                "report_url": report_url(publication.month, publication.wilayah_code),
                # Queued for a while and not started: the worker is probably not running.
                "stalled": publication.status == Publication.Status.QUEUED
                and timezone.now() - publication.requested_at > STALLED_AFTER,
                "refresh_seconds": (
                    PROGRESS_REFRESH_SECONDS
                    if publication.status in (Publication.Status.QUEUED, Publication.Status.RUNNING)
                    else None
                ),
            },
        )


@method_decorator(login_not_required, name="dispatch")
class VerificationView(View):
    """``/laporan/verifikasi/<id>/``: open without log-in, for whoever holds a printed report.
    Only the number, month, wilayah, date of publication, hashes and whether a newer revision
    exists: no personal data, no list of KIM."""

    def get(self, request, public_id):
        publication = get_object_or_404(
            Publication, public_id=public_id, status=Publication.Status.DONE
        )
        newer = publishing.newer_revision(publication)
        return render(
            request,
            "reports/verification.html",
            {
                "publication": publication,
                "newer": newer,
                "files": publication.files.defer("content").order_by("format"),
            },
        )
