"""The bulk import pages, for KIM and for KIM activities: upload a file, see the dry run of every
row, confirm, and the template download. The work is ``villages.importing``'s; these views only
move the file between the two requests: the uploaded bytes wait in the user's session (at most
``KIM_IMPORT_MAX_BYTES``), named by a random token and their SHA-256 in the preview's hidden
fields, so the confirmation imports exactly the file that was previewed, or nothing.

Each page exists once; the class attribute ``kind`` (an ``ImportKind``) says what it imports,
with which permission, and the texts and URLs of its two templates."""

import base64
import binascii
import dataclasses
import hashlib
import secrets
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from kimtracker.downloads import attachment, offered_format
from kimtracker.forms import BootstrapMixin

from . import scope
from .importing import activity, files, kim
from .importing.files import FORMATS, ImportRefused, max_bytes, max_rows
from .importing.plan import Importer
from .models import Desa

FORM_TEMPLATE = "villages/kim_import.html"
PREVIEW_TEMPLATE = "villages/kim_import_preview.html"


@dataclass(frozen=True)
class ImportKind:
    """One kind of import as the pages show it. ``url_name`` is the upload page's; the
    confirmation's and the template's are the same name with "_confirm" and "_template"."""

    importer: Importer
    url_name: str
    done_url_name: str
    session_key: str
    template_filename: str
    title: str
    heading: str
    intro: str
    columns_note: str
    preview_title: str
    # The header of the preview's column with ``RowOutcome.detail``; "" for no such column.
    detail_label: str = ""

    @property
    def confirm_url_name(self) -> str:
        return self.url_name + "_confirm"

    @property
    def template_url_name(self) -> str:
        return self.url_name + "_template"


KIM_IMPORT = ImportKind(
    importer=kim.IMPORTER,
    url_name="villages:kim_import",
    done_url_name="villages:kim_list",
    session_key="kim_import_pending",
    template_filename="templat-impor-kim",
    title=gettext_lazy("Impor KIM"),
    heading=gettext_lazy("Impor KIM dari berkas"),
    intro=gettext_lazy(
        "Unggah berkas CSV (UTF-8) atau XLSX berisi satu KIM per baris. Anda akan melihat dulu "
        "apa yang akan dibuat, diperbarui, atau salah; belum ada yang ditulis sebelum Anda "
        "mengonfirmasi."
    ),
    columns_note=gettext_lazy(
        "Baris pertama berisi judul kolom (huruf besar atau kecil sama saja). KIM yang namanya "
        "sudah ada di desa yang sama diperbarui; sel kosong tidak menghapus data yang sudah ada."
    ),
    preview_title=gettext_lazy("Pratinjau impor KIM"),
)
ACTIVITY_IMPORT = ImportKind(
    importer=activity.IMPORTER,
    url_name="villages:activity_import",
    done_url_name="villages:kim_list",
    session_key="activity_import_pending",
    template_filename="templat-impor-kegiatan-kim",
    title=gettext_lazy("Impor kegiatan KIM"),
    heading=gettext_lazy("Impor kegiatan KIM dari berkas"),
    intro=gettext_lazy(
        "Unggah berkas CSV (UTF-8) atau XLSX berisi satu kegiatan KIM per baris. Anda akan "
        "melihat dulu apa yang akan dicatat atau salah; belum ada yang ditulis sebelum Anda "
        "mengonfirmasi."
    ),
    columns_note=gettext_lazy(
        "Baris pertama berisi judul kolom (huruf besar atau kecil sama saja). KIM dicari menurut "
        "namanya di desa itu. Kegiatan yang sudah tercatat (KIM, tanggal, jenis dan uraian "
        "sama) tidak dicatat dua kali."
    ),
    preview_title=gettext_lazy("Pratinjau impor kegiatan KIM"),
    detail_label=gettext_lazy("Kegiatan"),
)
# The KIM import's session key, as before the activity import existed.
SESSION_KEY = KIM_IMPORT.session_key


# The desa the importers' examples name (help texts and the template's example row).
EXAMPLE_DESA_CODE, EXAMPLE_DESA_NAME = "35.07.08.2001", "Sumberputih"


class Examples:
    """The importers' examples as ``user`` should read them: a desa of their own wilayah in
    place of the bundled example (Sumberputih, Kabupaten Malang) when that one is outside it,
    so the import page and its template show nothing of another office's wilayah. Without any
    desa within (no wilayah) the example code is left empty."""

    def __init__(self, user):
        within = scope.of(user)
        self.desa = None
        if not within.contains(EXAMPLE_DESA_CODE):
            self.desa = Desa.objects.within(within).order_by("code").only(
                "code", "name"
            ).first() or Desa(code="", name="")

    def text(self, value):
        if self.desa is None or not isinstance(value, str):
            return value
        return value.replace(EXAMPLE_DESA_CODE, self.desa.code).replace(
            EXAMPLE_DESA_NAME, self.desa.name.title()
        )

    def columns(self, columns: dict) -> dict:
        if self.desa is None:
            return columns
        return {
            header: dataclasses.replace(column, help=self.text(str(column.help)))
            for header, column in columns.items()
        }

    def row(self, example: dict) -> dict:
        return {header: self.text(value) for header, value in example.items()}


class ImportFileForm(BootstrapMixin, forms.Form):
    """The file to import; ``clean_file`` reads it, so a refused file is an error on the field."""

    file = forms.FileField(
        label=gettext_lazy("Berkas CSV atau XLSX"),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, importer: Importer, **kwargs):
        super().__init__(*args, **kwargs)
        self.importer = importer

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise ValidationError(
                _("Berkas terlalu besar: paling besar %(size)s.")
                % {"size": filesizeformat(max_bytes())}
            )
        self.content = upload.read(max_bytes() + 1)
        try:
            self.rows = self.importer.read_file(self.content, filename=upload.name)
        except ImportRefused as exc:
            raise ValidationError(exc.message) from exc
        return upload


class ImportKindMixin(PermissionRequiredMixin):
    """The import's permission, and ``kind`` for the templates."""

    kind: ImportKind

    def get_permission_required(self):
        return (self.kind.importer.permission,)


class ImportView(ImportKindMixin, FormView):
    """Upload a file; the answer is the dry run of every row, with a confirm button when no row
    has an error."""

    form_class = ImportFileForm
    template_name = FORM_TEMPLATE

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "importer": self.kind.importer}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            kind=self.kind,
            columns=Examples(self.request.user).columns(self.kind.importer.columns),
            max_size=max_bytes(),
            max_rows=max_rows(),
            **kwargs,
        )

    def form_valid(self, form):
        filename = form.cleaned_data["file"].name
        plan = self.kind.importer.plan(form.rows, by=self.request.user)
        pending = None
        if not plan.has_errors:
            pending = _keep(self.request, self.kind.session_key, form.content, filename)
        return render(
            self.request,
            PREVIEW_TEMPLATE,
            {
                "kind": self.kind,
                "plan": plan,
                "counts": plan.counts,
                "filename": filename,
                "pending": pending,
            },
        )


class ImportConfirmView(ImportKindMixin, View):
    """Import the previewed file: the same bytes, planned again, written only without errors."""

    http_method_names = ["post"]

    def post(self, request):
        kind = self.kind
        kept = _take(
            request,
            kind.session_key,
            request.POST.get("token", ""),
            request.POST.get("sha256", ""),
        )
        if kept is None:
            messages.error(
                request,
                _(
                    "Berkas yang dikonfirmasi tidak cocok dengan pratinjau, atau pratinjaunya "
                    "sudah kedaluwarsa. Unggah berkasnya lagi; tidak ada yang ditulis."
                ),
            )
            return redirect(kind.url_name)
        content, filename = kept
        try:
            rows = kind.importer.read_file(content, filename=filename)
            counts = kind.importer.run(rows, by=request.user, filename=filename)
        except ImportRefused as exc:
            messages.error(request, exc.message)
            if exc.plan is None:
                return redirect(kind.url_name)
            # The registry changed since the preview (someone wrote the same rows meanwhile, or
            # the user's wilayah changed).
            return render(
                request,
                PREVIEW_TEMPLATE,
                {
                    "kind": kind,
                    "plan": exc.plan,
                    "counts": exc.plan.counts,
                    "filename": filename,
                },
            )
        request.session.pop(kind.session_key, None)
        messages.success(request, kind.importer.done_message(counts))
        return redirect(reverse(kind.done_url_name))


class ImportTemplateView(ImportKindMixin, View):
    """The import template as CSV or XLSX: the column headers and one example row."""

    def get(self, request, format):
        offered_format(format, FORMATS)
        importer, examples = self.kind.importer, Examples(request.user)
        content, _content_type = files.template_file(
            format,
            columns=importer.columns,
            example=examples.row(importer.template_example),
            title=importer.template_title,
        )
        return attachment(content, f"{self.kind.template_filename}.{format}", format)


class KIMImportView(ImportView):
    kind = KIM_IMPORT


class KIMImportConfirmView(ImportConfirmView):
    kind = KIM_IMPORT


class KIMImportTemplateView(ImportTemplateView):
    kind = KIM_IMPORT


class ActivityImportView(ImportView):
    kind = ACTIVITY_IMPORT


class ActivityImportConfirmView(ImportConfirmView):
    kind = ACTIVITY_IMPORT


class ActivityImportTemplateView(ImportTemplateView):
    kind = ACTIVITY_IMPORT


def _keep(request, session_key: str, content: bytes, filename: str) -> dict:
    """Keep the uploaded file in the session until it is confirmed; one pending file per
    session and kind, so a newer preview replaces an older one. Returns the hidden form
    fields."""
    pending = {
        "token": secrets.token_urlsafe(24),
        "sha256": hashlib.sha256(content).hexdigest(),
        "filename": filename,
        "content": base64.b64encode(content).decode("ascii"),
    }
    request.session[session_key] = pending
    return {"token": pending["token"], "sha256": pending["sha256"]}


def _take(request, session_key: str, token: str, sha256: str) -> tuple[bytes, str] | None:
    """The kept file's bytes and name when ``token`` and ``sha256`` are those of the preview
    and the bytes still hash to them; None otherwise."""
    pending = request.session.get(session_key)
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
