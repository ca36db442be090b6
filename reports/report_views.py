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

from . import monthly, opendata, services
from .forms import TargetForm
from .models import Target


class ReportsPermissionMixin(PermissionRequiredMixin):
    permission_required = roles.PERM_REPORTS


class ReportIndexView(ReportsPermissionMixin, TemplateView):
    """The list of monthly reports (newest first), targets and open data."""

    template_name = "reports/report_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            months=monthly.available_months(), targets=Target.objects.all(), **kwargs
        )


class MonthlyReportView(ReportsPermissionMixin, View):
    """``/laporan/bulanan/YYYY-MM/``: the page, or its file with ``?format=xlsx|pdf|csv``. A
    month that cannot be reported gets the list of months with a clear message."""

    formats = ("xlsx", "pdf", "csv")

    def get(self, request, month):
        kind = offered_format(request.GET.get("format"), self.formats)
        try:
            report = monthly.build(monthly.parse_month(month))
        except monthly.MonthError as error:
            context = {
                "months": monthly.available_months(),
                "targets": Target.objects.all(),
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
                    request, "reports/monthly_report.html", {"report": report}, status=503
                )
            return attachment(content, exports.filename(report, kind), kind)
        return render(request, "reports/monthly_report.html", {"report": report})


class TargetView(ReportsPermissionMixin, FormView):
    """Yearly targets: the list and a form to set a year's target."""

    permission_required = (roles.PERM_REPORTS, "reports.change_target")
    form_class = TargetForm
    template_name = "reports/targets.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(targets=Target.objects.all(), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            target = services.set_target(
                year=data["year"],
                kim_count=data["kim_count"],
                note=data["note"],
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Target %(year)d: %(count)d KIM disimpan.")
            % {"year": target.year, "count": target.kim_count},
        )
        return redirect("reports:targets")


class OpenDataView(ReportsPermissionMixin, AsOfMixin, View):
    """The KIM registry without personal data, as CSV or JSON, as of ``?tanggal=``."""

    formats = ("csv", "json")

    def get(self, request, kind):
        offered_format(kind, self.formats)
        content = opendata.to_csv(self.as_of) if kind == "csv" else opendata.to_json(self.as_of)
        return attachment(content, f"kim-{self.as_of.isoformat()}.{kind}", kind)
