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
FORM_TEMPLATE = "villages/boundary_upload.html"
PREVIEW_TEMPLATE = "villages/boundary_upload_preview.html"
# The lists of an ImportResult the preview shows, when the importer has them: (attribute,
# status on the map, heading).
RESULT_LISTS = (
    ("proposals", "proposed", gettext_lazy("Usulan (ejaan mirip, perlu diputuskan)")),
    ("ambiguous", "proposed", gettext_lazy("Nama cocok dengan beberapa wilayah")),
    ("unmatched", "unmatched", gettext_lazy("Tidak cocok dengan wilayah mana pun")),
    ("refused", "refused", gettext_lazy("Ditolak")),
    ("errors", "refused", gettext_lazy("Ditolak")),
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
            "pending": pending if result.matched else None,
        }
        if result.matched:
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
            result = import_boundaries(pending.path, level=pending.level, dry_run=False)
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
    """What the preview shows of a dry run: the matched rows with their names, the other lists
    of the result (whichever the importer has), and the map's features and texts."""
    model = MODELS[level]
    matched = list(
        model.objects.filter(code__in=result.matched).order_by("code").values_list("code", "name")
    )
    how = getattr(result, "matched_by", None) or {}
    lists = []
    seen = set()
    for attribute, status, heading in RESULT_LISTS:
        items = getattr(result, attribute, None)
        if not items or attribute in seen:
            continue
        seen.add(attribute)
        lists.append(
            {
                "key": attribute,
                "status": status,
                "heading": heading,
                "items": [_describe(item) for item in items],
            }
        )
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
        "matched": [
            {"code": code, "name": name, "how": how.get(code, "")} for code, name in matched
        ],
        "lists": lists,
        "counts": counts,
        "properties": getattr(result, "properties", None) or [],
        "preview_data": collection,
        "statuses": [
            {"key": key, "label": str(label), "colour": colour, "count": counts.get(key, 0)}
            for key, label, colour in STATUSES
            if key != "unknown" or counts.get(key)
        ],
        "tile_url": settings.KIM_MAP_TILE_URL,
    }


def _describe(item) -> str:
    """One entry of an ImportResult list as a line of text: a label, a (label, codes) pair, a
    (label, code, score) proposal, or an object with a readable ``str``."""
    if isinstance(item, str):
        return item
    if isinstance(item, tuple | list):
        label, *rest = item
        details = []
        for value in rest:
            if isinstance(value, list | tuple | set):
                details.append(", ".join(str(v) for v in value))
            elif isinstance(value, float):
                details.append(f"{value:.2f}")
            else:
                details.append(str(value))
        return f"{label}: {'; '.join(details)}" if details else str(label)
    return str(item)
