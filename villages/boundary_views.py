"""Uploading boundaries in the browser (``/peta/batas/``): a Manajer sends a boundary file, sees
the importer's dry run on a map (what matched, what is only proposed, what matched nothing, what
was refused) and confirms. Reading the file is ``villages.boundary_files``'s work, matching and
storing is ``villages.boundaries.import_boundaries``'s, the very function of the
``import_boundaries`` command; these views move the converted file between the two requests."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from kimtracker.forms import BootstrapMixin
from kimtracker.roles import PERM_AUDIT, PERM_IMPORT

from . import boundary_files
from .boundaries import MODELS, BoundaryError, import_boundaries
from .models import Kabupaten, Kecamatan

# Managers only: there is no permission of its own yet (one would need a role migration), so
# the pair that only the Manajer role holds among the imports: importing and the audit log.
PERMISSIONS = (PERM_IMPORT, PERM_AUDIT)
LEVEL_CHOICES = (
    ("kecamatan", gettext_lazy("Kecamatan")),
    ("desa", gettext_lazy("Desa/kelurahan")),
)
# How the preview map draws each feature, and its legend.
STATUSES = (
    ("matched", gettext_lazy("Cocok"), "#2e7d32"),
    ("proposed", gettext_lazy("Usulan, perlu diputuskan"), "#ef6c00"),
    ("unmatched", gettext_lazy("Tidak cocok"), "#c62828"),
    ("refused", gettext_lazy("Ditolak"), "#6a1b9a"),
    ("unknown", gettext_lazy("Tidak diketahui"), "#757575"),
)
# Stored boundaries drawn under the preview, at most (a province has about 660 kecamatan).
MAX_OUTLINES = 1000
FORM_TEMPLATE = "villages/boundary_upload.html"
PREVIEW_TEMPLATE = "villages/boundary_upload_preview.html"
# The lists of an ImportResult the preview shows as lines of text, when the importer has them:
# (attribute, status on the map, heading). Proposals get check boxes of their own.
RESULT_LISTS = (
    ("refused", "refused", gettext_lazy("Ditolak (tidak disimpan)")),
    ("ambiguous", "proposed", gettext_lazy("Nama cocok dengan beberapa wilayah")),
    ("unmatched", "unmatched", gettext_lazy("Tidak cocok dengan wilayah mana pun")),
    ("empty", "refused", gettext_lazy("Hilang setelah disederhanakan (tidak disimpan)")),
)


class BoundaryUploadForm(BootstrapMixin, forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("Tingkat wilayah"), choices=LEVEL_CHOICES)
    file = forms.FileField(
        label=gettext_lazy("Berkas batas wilayah"),
        help_text=gettext_lazy(
            "GeoJSON, Shapefile dalam zip (.shp, .shx, .dbf, .prj), KML/KMZ atau GeoPackage; "
            "sistem koordinat apa pun (misalnya UTM zona 49S), diubah ke EPSG:4326."
        ),
        widget=forms.FileInput(attrs={"accept": ",".join(boundary_files.FORMATS)}),
    )

    def clean_file(self):
        """Read and convert the file; a refusal is an error on the field. The converted file
        waits in ``self.pending`` (its folder is removed again when anything fails)."""
        upload = self.cleaned_data["file"]
        try:
            boundary_files.check_name(upload.name)
            content = boundary_files.read_upload(upload)
            self.pending = boundary_files.new_upload(upload.name)
            try:
                self.converted = boundary_files.convert(
                    content, filename=upload.name, target=self.pending.path
                )
            except Exception:
                boundary_files.discard_token(self.pending.token)
                raise
        except boundary_files.BoundaryFileError as exc:
            raise ValidationError(exc.message) from exc
        return upload


class BoundaryUploadView(PermissionRequiredMixin, FormView):
    """Upload a file; the answer is the dry run on a map, with a confirm button when something
    matched."""

    permission_required = PERMISSIONS
    form_class = BoundaryUploadForm
    template_name = FORM_TEMPLATE

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            max_size=boundary_files.max_bytes(),
            max_features=boundary_files.max_features(),
            formats=sorted(set(boundary_files.FORMATS.values())),
            **kwargs,
        )

    def form_valid(self, form):
        level = form.cleaned_data["level"]
        pending = form.pending
        try:
            result = import_boundaries(pending.path, level=level, dry_run=True)
        except BoundaryError as exc:
            boundary_files.discard_token(pending.token)
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        context = {
            **preview_context(result, pending.path, level),
            "filename": pending.filename,
            "converted": form.converted,
            "pending": pending if _confirmable(result) else None,
        }
        if _confirmable(result):
            boundary_files.keep(self.request.session, pending, level=level)
        else:  # nothing to confirm
            boundary_files.discard_token(pending.token)
        return render(self.request, PREVIEW_TEMPLATE, context)


class BoundaryConfirmView(PermissionRequiredMixin, View):
    """Import the previewed file: the same converted bytes, matched again, then stored."""

    permission_required = PERMISSIONS
    http_method_names = ["post"]

    def post(self, request):
        pending = boundary_files.take(
            request.session, request.POST.get("token", ""), request.POST.get("sha256", "")
        )
        if pending is None:
            messages.error(
                request,
                _(
                    "Berkas yang dikonfirmasi tidak cocok dengan pratinjau, atau pratinjaunya "
                    "sudah kedaluwarsa. Unggah berkasnya lagi; tidak ada yang ditulis."
                ),
            )
            return redirect("boundary_upload")
        try:
            # Proposals the user ticked, "CODE=NAME" as the preview offered them; the importer
            # applies one only when it is still proposed for that name.
            accept = {"accept": request.POST.getlist("accept")[: boundary_files.max_features()]}
            result = import_boundaries(
                pending.path,
                level=pending.level,
                dry_run=False,
                **(accept if accept["accept"] else {}),
            )
        except BoundaryError as exc:
            messages.error(request, str(exc))
            return redirect("boundary_upload")
        finally:
            boundary_files.discard(request.session, pending)
        messages.success(
            request,
            _(
                "Batas %(count)d %(level)s disimpan dari %(file)s (%(changed)d berubah). "
                "Yang tidak cocok tidak diubah."
            )
            % {
                "count": len(result.matched),
                "level": dict(LEVEL_CHOICES)[pending.level].lower(),
                "file": pending.filename,
                "changed": len(getattr(result, "updated", result.matched)),
            },
        )
        return redirect("map")


def preview_context(result, path, level: str) -> dict:
    """What the preview shows of a dry run: the matched areas with their names and how they
    matched, the proposals to accept, the other lists of the result, the importer's notes, and
    the map's features and legend."""
    names = dict(
        MODELS[level]
        .objects.filter(code__in=[*result.matched, *_proposal_codes(result)])
        .values_list("code", "name")
    )
    how = {
        match.code: (", ".join(match.how), match.note)
        for match in getattr(result, "matches", None) or ()
    }
    matched = [
        {
            "code": code,
            "name": names.get(code, ""),
            "how": how.get(code, ("", ""))[0],
            "note": how.get(code, ("", ""))[1],
        }
        for code in sorted(result.matched)
    ]
    proposals = [
        {
            "value": f"{proposal.code}={proposal.feature_name}",
            "code": proposal.code,
            "name": names.get(proposal.code, proposal.name),
            "feature": proposal.feature,
            "score": proposal.score,
            "reason": proposal.reason,
        }
        for proposal in getattr(result, "proposals", None) or ()
    ]
    lists = [
        {
            "key": attribute,
            "status": status,
            "heading": heading,
            "items": [_describe(item) for item in getattr(result, attribute)],
        }
        for attribute, status, heading in RESULT_LISTS
        if getattr(result, attribute, None)
    ]
    collection = boundary_files.preview_collection(path, result)
    counts = {"matched": len(matched)}
    for feature in collection["features"]:
        status = feature["properties"]["status"]
        if status != "matched":
            counts[status] = counts.get(status, 0) + 1
    return {
        "result": result,
        "level": level,
        "level_label": dict(LEVEL_CHOICES)[level],
        "matched": matched,
        "proposals": proposals,
        "lists": lists,
        "notes": getattr(result, "notes", None) or [],
        "counts": counts,
        "properties": getattr(result, "properties", None) or [],
        "preview_data": collection,
        "statuses": [
            {"key": key, "label": str(label), "colour": colour, "count": counts.get(key, 0)}
            for key, label, colour in STATUSES
            if key != "unknown" or counts.get(key)
        ],
        "tile_url": settings.KIM_MAP_TILE_URL,
        "preview_context": _stored_outlines(level),
    }


def _stored_outlines(level: str) -> dict:
    """The stored boundaries one level up (kecamatan under a desa upload, the kabupaten outline
    under a kecamatan upload), drawn as thin lines under the preview so the user sees whether
    the uploaded shapes land where they belong."""
    model, label = (
        (Kecamatan, _("Batas kecamatan tersimpan"))
        if level == "desa"
        else (Kabupaten, _("Batas kabupaten tersimpan"))
    )
    shapes = model.objects.filter(boundary__isnull=False).values_list("boundary", flat=True)
    return {
        "label": str(label),
        "data": boundary_files.outline_collection(shapes[:MAX_OUTLINES]),
    }


def _confirmable(result) -> bool:
    """Whether the preview offers to store anything: areas matched, or proposals to accept."""
    return bool(result.matched or getattr(result, "proposals", None))


def _proposal_codes(result) -> list[str]:
    return [proposal.code for proposal in getattr(result, "proposals", None) or ()]


def _describe(item) -> str:
    """One entry of an ImportResult list as a line of text: a label, a (label, codes) pair, or
    a refusal (its feature and reason)."""
    if isinstance(item, str):
        return item
    if isinstance(item, tuple | list):
        label, *rest = item
        details = [
            ", ".join(str(v) for v in value)
            if isinstance(value, list | tuple | set)
            else str(value)
            for value in rest
        ]
        return f"{label}: {'; '.join(details)}" if details else str(label)
    feature, reason = getattr(item, "feature", None), getattr(item, "reason", None)
    if feature is not None and reason:
        return f"{feature}: {reason}"
    return str(item)
