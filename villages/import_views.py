"""The bulk import pages: upload a file, see the dry run of every row, confirm, and the template
download. The work is ``villages.importer``'s; these views only move the file between the two
requests: the uploaded bytes wait in the user's session (at most ``KIM_IMPORT_MAX_BYTES``),
named by a random token and their SHA-256 in the preview's hidden fields, so the confirmation
imports exactly the file that was previewed, or nothing."""

import base64
import binascii
import hashlib
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from kimtracker import roles

from . import importer
from .forms import BootstrapMixin

SESSION_KEY = "kim_import_pending"
PREVIEW_TEMPLATE = "villages/kim_import_preview.html"


class ImportFileForm(BootstrapMixin, forms.Form):
    """The file to import; ``clean_file`` reads it, so a refused file is an error on the field."""

    file = forms.FileField(
        label=gettext_lazy("Berkas CSV atau XLSX"),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > importer.max_bytes():
            raise ValidationError(
                _("Berkas terlalu besar: paling besar %(size)s.")
                % {"size": filesizeformat(importer.max_bytes())}
            )
        self.content = upload.read(importer.max_bytes() + 1)
        try:
            self.rows = importer.read_file(self.content, filename=upload.name)
        except importer.ImportRefused as exc:
            raise ValidationError(exc.message) from exc
        return upload


class ImportPermissionMixin(PermissionRequiredMixin):
    permission_required = roles.PERM_IMPORT


class KIMImportView(ImportPermissionMixin, FormView):
    """Upload a file; the answer is the dry run of every row, with a confirm button when no row
    has an error."""

    form_class = ImportFileForm
    template_name = "villages/kim_import.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            columns=importer.COLUMNS,
            max_size=importer.max_bytes(),
            max_rows=importer.max_rows(),
            **kwargs,
        )

    def form_valid(self, form):
        filename = form.cleaned_data["file"].name
        plan = importer.plan(form.rows, by=self.request.user)
        pending = None if plan.has_errors else _keep(self.request, form.content, filename)
        return render(
            self.request,
            PREVIEW_TEMPLATE,
            {"plan": plan, "counts": plan.counts, "filename": filename, "pending": pending},
        )


class KIMImportConfirmView(ImportPermissionMixin, View):
    """Import the previewed file: the same bytes, planned again, written only without errors."""

    http_method_names = ["post"]

    def post(self, request):
        kept = _take(request, request.POST.get("token", ""), request.POST.get("sha256", ""))
        if kept is None:
            messages.error(
                request,
                _(
                    "Berkas yang dikonfirmasi tidak cocok dengan pratinjau, atau pratinjaunya "
                    "sudah kedaluwarsa. Unggah berkasnya lagi; tidak ada yang ditulis."
                ),
            )
            return redirect("villages:kim_import")
        content, filename = kept
        try:
            rows = importer.read_file(content, filename=filename)
            counts = importer.run(rows, by=request.user, filename=filename)
        except importer.ImportRefused as exc:
            messages.error(request, exc.message)
            if exc.plan is None:
                return redirect("villages:kim_import")
            # The registry changed since the preview (someone registered a KIM meanwhile).
            return render(
                request,
                PREVIEW_TEMPLATE,
                {"plan": exc.plan, "counts": exc.plan.counts, "filename": filename},
            )
        request.session.pop(SESSION_KEY, None)
        messages.success(
            request,
            _(
                "Impor selesai: %(created)d KIM baru, %(updated)d diperbarui, "
                "%(unchanged)d tidak berubah."
            )
            % {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged},
        )
        return redirect(reverse("villages:kim_list"))


class KIMImportTemplateView(ImportPermissionMixin, View):
    """The import template as CSV or XLSX: the column headers and one example row."""

    def get(self, request, format):
        if format not in importer.CONTENT_TYPES:
            raise Http404
        content, content_type = importer.template_file(format)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="templat-impor-kim.{format}"'
        return response


def _keep(request, content: bytes, filename: str) -> dict:
    """Keep the uploaded file in the session until it is confirmed; one pending file per
    session, so a newer preview replaces an older one. Returns the hidden form fields."""
    pending = {
        "token": secrets.token_urlsafe(24),
        "sha256": hashlib.sha256(content).hexdigest(),
        "filename": filename,
        "content": base64.b64encode(content).decode("ascii"),
    }
    request.session[SESSION_KEY] = pending
    return {"token": pending["token"], "sha256": pending["sha256"]}


def _take(request, token: str, sha256: str) -> tuple[bytes, str] | None:
    """The kept file's bytes and name when ``token`` and ``sha256`` are those of the preview
    and the bytes still hash to them; None otherwise."""
    pending = request.session.get(SESSION_KEY)
    if not pending or not token or not sha256:
        return None
    if not constant_time_compare(token, pending["token"]):
        return None
    try:
        content = base64.b64decode(pending["content"], validate=True)
    except (binascii.Error, ValueError):
        return None
    digest = hashlib.sha256(content).hexdigest()
    if not (
        constant_time_compare(sha256, pending["sha256"]) and constant_time_compare(sha256, digest)
    ):
        return None
    return content, pending["filename"]
