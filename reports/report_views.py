"""Managers' pages: monthly reports and their files, targets, the open-data export."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from kimtracker import roles
from kimtracker.asof import AsOfMixin
from kimtracker.downloads import attachment, offered_format
from kimtracker.forms import add_service_errors

from . import monthly, opendata, publication_views, services
from .forms import TargetForm
from .models import Publication, Target
from .views import ReaderScopeMixin

# Publications listed on the reports page, newest first.
RECENT_PUBLICATIONS = 10


class ReportsPermissionMixin(PermissionRequiredMixin, ReaderScopeMixin):
    """The reports permission, then the reader's wilayah (``self.user_scope``)."""

    permission_required = roles.PERM_REPORTS


def scoped_targets(user_scope):
    """The targets a reader sees: those of the wilayah within their scope (every target, and
    the whole database's, for a whole-country scope)."""
    return Target.objects.filter(user_scope.q("wilayah_code"))


class ReportIndexView(ReportsPermissionMixin, TemplateView):
    """The list of monthly reports (newest first), targets and open data; publications and
    targets of the reader's wilayah only."""

    template_name = "reports/report_index.html"

    def get_context_data(self, **kwargs):
        done = Publication.objects.filter(
            self.user_scope.q("wilayah_code"), status=Publication.Status.DONE
        )
        recent = list(done.order_by("-published_at")[:RECENT_PUBLICATIONS])
        for publication in recent:
            publication.url = publication_views.publication_url(publication)
        return super().get_context_data(
            months=monthly.available_months(),
            targets=scoped_targets(self.user_scope),
            published_months=set(done.values_list("month", flat=True).distinct()),
            recent_publications=recent,
            **kwargs,
        )


class MonthlyReportView(ReportsPermissionMixin, View):
    """``/laporan/bulanan/YYYY-MM/``: the page, or its file with ``?format=xlsx|pdf|csv``. A
    month that cannot be reported gets the list of months with a clear message. A reader of
    a limited scope gets the report of their wilayah (of several: they choose one), and a
    ``?wilayah=`` outside it gets a message and their own wilayah's report."""

    formats = ("xlsx", "pdf", "csv")

    def get(self, request, month):
        kind = offered_format(request.GET.get("format"), self.formats)
        code = request.GET.get("wilayah", "").strip()
        user_scope = self.user_scope
        try:
            first_day = monthly.parse_month(month)
            wilayah = monthly.resolve_wilayah(code) if code else None
            if wilayah is not None and not user_scope.contains(wilayah.code):
                messages.warning(request, str(monthly.OUTSIDE_SCOPE) % {"code": code})
                wilayah, code = None, ""
            if wilayah is None and not user_scope.is_everything:
                wilayah = monthly.scope_wilayah(user_scope)
                if not wilayah.code:
                    raise monthly.WilayahRequired(str(monthly.SEVERAL_IN_SCOPE))
                code = wilayah.code
            # Without ?wilayah= build() resolves the default itself (no query more).
            report = monthly.build(first_day, wilayah)
        except monthly.WilayahRequired as error:
            # Several kabupaten/kota: ask which, before any figure or list of the country.
            context = {
                "month": first_day,
                "message": str(error),
                "choices": _wilayah_choices(user_scope=user_scope),
            }
            return render(request, "reports/monthly_wilayah.html", context)
        except monthly.MonthError as error:
            context = {
                "months": monthly.available_months(),
                "targets": scoped_targets(user_scope),
                "error": str(error),
            }
            return render(request, "reports/report_index.html", context, status=400)
        if kind:
            from . import exports

            render_file = {"xlsx": exports.to_xlsx, "pdf": exports.to_pdf, "csv": exports.to_csv}[
                kind
            ]
            try:
                content = render_file(report)
            except exports.PDFUnavailable as error:
                messages.error(request, str(error))
                return render(
                    request,
                    "reports/monthly_report.html",
                    _report_context(report, asked=code, user_scope=user_scope),
                    status=503,
                )
            return attachment(content, exports.filename(report, kind), kind)
        context = _report_context(report, asked=code, user_scope=user_scope)
        context.update(publication_views.panel(request, report))
        return render(request, "reports/monthly_report.html", context)


def _wilayah_choices(
    report: monthly.MonthlyReport | None = None, asked: str = "", user_scope=None
) -> list:
    """The wilayah selector's choices; read from the report itself (no query) when it is the
    default report of a database with one kabupaten (its rows are every kecamatan); only the
    reader's wilayah for a limited ``user_scope``."""
    if user_scope is not None and not user_scope.is_everything:
        return monthly.wilayah_choices(user_scope=user_scope)
    if report is not None and not asked and report.wilayah and report.wilayah.level == "kabupaten":
        return monthly.wilayah_choices(
            only_kabupaten=report.wilayah, kecamatan=report.summary.kecamatan
        )
    return monthly.wilayah_choices()


def _report_context(report: monthly.MonthlyReport, *, asked: str, user_scope=None) -> dict:
    """The report page's context: the report, its wilayah selector and the query string its
    file links keep (``?wilayah=``)."""
    return {
        "report": report,
        "wilayah_choices": _wilayah_choices(report, asked, user_scope),
        "wilayah_query": f"wilayah={report.wilayah.code}&" if asked and report.wilayah else "",
    }


class TargetView(ReportsPermissionMixin, FormView):
    """Yearly targets of the wilayah within the Manajer's scope: the list and a form to set a
    year's target of one of them."""

    permission_required = (roles.PERM_REPORTS, "reports.change_target")
    form_class = TargetForm
    template_name = "reports/targets.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user_scope": self.user_scope}

    def get_context_data(self, **kwargs):
        targets = list(scoped_targets(self.user_scope))
        names = monthly.wilayah_names({t.wilayah_code for t in targets})
        for target in targets:
            target.wilayah_name = names.get(target.wilayah_code, target.wilayah_code)
        return super().get_context_data(targets=targets, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            target = services.set_target(
                year=data["year"],
                kim_count=data["kim_count"],
                note=data["note"],
                wilayah_code=data["wilayah_code"] or "",
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Target %(wilayah)s %(year)d: %(count)d KIM disimpan.")
            % {
                "wilayah": monthly.wilayah_names([target.wilayah_code])[target.wilayah_code],
                "year": target.year,
                "count": target.kim_count,
            },
        )
        return redirect("reports:targets")


class OpenDataView(ReportsPermissionMixin, AsOfMixin, View):
    """The KIM registry without personal data, as CSV or JSON, as of ``?tanggal=``; the KIM of
    the reader's wilayah only."""

    formats = ("csv", "json")

    def get(self, request, kind):
        offered_format(kind, self.formats)
        within = self.user_scope.q("desa__code")
        content = (
            opendata.to_csv(self.as_of, within)
            if kind == "csv"
            else opendata.to_json(self.as_of, within)
        )
        return attachment(content, f"kim-{self.as_of.isoformat()}.{kind}", kind)
