"""Pages that write the registry: register, edit, record a status change, void. Each view
checks the role (and the user's wilayah, through the service), hands the form's data to
``villages.services`` and turns its refusals into messages next to the fields."""

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from kimtracker import roles
from kimtracker.forms import add_service_errors

from . import permissions, scope, services
from .fields import CONTACT_FIELDS, OFFICER_FIELDS, SK_FIELDS
from .forms import (
    ActivityForm,
    KIMForm,
    StatusChangeForm,
    VoidForm,
    desa_choice_label,
    desa_choices,
)
from .models import KIM, Desa, Kecamatan, KIMActivity, KIMStatusChange


class JsonAnswerMixin:
    """Answers in JSON when the request asks for it (``Accept: application/json``): the
    device's queue of offline entries (``static/js/offline.js``) sends each kept form so and
    reads whether it was stored, or the refusal's messages by field, which it shows the
    officer to fix. A browser's plain form post gets the page, as before. Must come first
    among the bases, so that it sees the refusals of the permission checks."""

    def wants_json(self) -> bool:
        return "application/json" in self.request.headers.get("Accept", "")

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as error:
            if not self.wants_json():
                raise
            message = str(error) or _("Anda tidak berhak mencatat entri ini.")
            return self.json_refusal({NON_FIELD_ERRORS: [message]}, status=403)
        except Http404:
            # A KIM gone, or outside the user's wilayah (one answer for both): the device's
            # queue shows the refusal beside the entry rather than "404 Not Found".
            if not self.wants_json():
                raise
            message = _("KIM ini tidak ditemukan di wilayah kerja Anda.")
            return self.json_refusal({NON_FIELD_ERRORS: [message]}, status=404)

    def json_refusal(self, errors: dict, *, status: int = 400, form=None) -> JsonResponse:
        labels = {}
        if form is not None:
            labels = {name: str(form.fields[name].label) for name in errors if name in form.fields}
        return JsonResponse({"ok": False, "errors": errors, "labels": labels}, status=status)

    def form_invalid(self, form):
        if not self.wants_json():
            return super().form_invalid(form)
        errors = {name: [str(text) for text in found] for name, found in form.errors.items()}
        return self.json_refusal(errors, form=form)

    # The model whose rows carry the device's key (``client_key``), on the pages that take one.
    keyed_model = None

    def post(self, request, *args, **kwargs):
        # The same entry sent again (an offline entry whose first answer was lost): the form's
        # own checks would refuse it as a duplicate of itself, so the stored row answers.
        stored = self.stored_resend()
        if stored is not None:
            return self.answer(*self.resend_answer(stored))
        return super().post(request, *args, **kwargs)

    def stored_resend(self):
        try:
            key = uuid.UUID(self.request.POST.get("client_key", ""))
        except ValueError:
            return None
        if self.keyed_model is None:
            return None
        stored = self.keyed_model.objects.filter(client_key=key).first()
        owner = getattr(stored, "kim_id", None)
        if owner is not None and owner != self.kim.pk:
            return None  # another KIM's key: the service refuses it
        return stored

    def resend_answer(self, stored) -> tuple:
        """The page and message of a stored entry sent again."""
        return self.kim, self.success_message

    def answer(self, target, message: str):
        """The page to go to after a stored entry, with its message; in JSON, both (the message
        waits for the next page too: the device's queue sends in the background)."""
        messages.success(self.request, message)
        if self.wants_json():
            return JsonResponse(
                {"ok": True, "url": target.get_absolute_url(), "message": str(message)}
            )
        return redirect(target)


class KIMObjectMixin:
    """The KIM of the URL, with the permission to write it checked against its kecamatan. A
    KIM outside the user's wilayah is not found (404, as on its page): its sub-pages do not
    tell that it exists."""

    write_permission = roles.PERM_EDIT

    def dispatch(self, request, *args, **kwargs):
        kims = KIM.objects.for_table().counted()
        if request.user.is_authenticated:
            kims = kims.within(scope.of(request.user))
        self.kim = get_object_or_404(kims, pk=kwargs["pk"])
        if request.user.is_authenticated:
            permissions.check(request.user, self.kim.desa, self.write_permission)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(kim=self.kim, **kwargs)


class KIMFormMixin:
    """Groups the KIM form's fields into the sections of the page."""

    sections = {
        # "kabupaten" only where there are too many kecamatan for one select (see KIMForm).
        "form_identity": ("kabupaten", "kecamatan", "desa", "name", "formed_on", "member_count"),
        "form_confirm": ("confirm_second",),
        "form_sk": SK_FIELDS,
        "form_officers": OFFICER_FIELDS,
        "form_contact": CONTACT_FIELDS,
        "form_reason": ("change_reason",),
    }

    def get_form_kwargs(self):
        # The selects offer only the wilayah the user works within.
        return {**super().get_form_kwargs(), "scope": scope.of(self.request.user)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["no_wilayah"] = scope.of(self.request.user).is_empty
        form = context["form"]
        for key, names in self.sections.items():
            context[key] = [form[name] for name in names if name in form.fields]
        return context


class KIMCreateView(JsonAnswerMixin, PermissionRequiredMixin, KIMFormMixin, FormView):
    permission_required = roles.PERM_ADD
    form_class = KIMForm
    template_name = "villages/kim_form.html"
    keyed_model = KIM

    def stored_resend(self):
        stored = super().stored_resend()
        # A key of a KIM outside the user's wilayah: not answered with that KIM (the service
        # refuses the registration itself).
        if stored is not None and not scope.of(self.request.user).contains(stored.desa.code):
            return None
        return stored

    def resend_answer(self, stored) -> tuple:
        return stored, _("%(name)s terdaftar.") % {"name": stored.name}

    def get_initial(self):
        desa = (
            Desa.objects.within(scope.of(self.request.user))
            .filter(code=self.request.GET.get("desa", ""))
            .first()
        )
        if desa:
            return {"desa": desa.code, "kecamatan": desa.kecamatan.code}
        return {}

    def form_valid(self, form):
        try:
            kim = services.register_kim(
                by=self.request.user,
                reason=form.cleaned_data.get("change_reason", ""),
                client_key=form.cleaned_data.get("client_key"),
                **form.service_kwargs(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return self.answer(kim, _("%(name)s terdaftar.") % {"name": kim.name})


class KIMUpdateView(PermissionRequiredMixin, KIMObjectMixin, KIMFormMixin, FormView):
    permission_required = roles.PERM_EDIT
    form_class = KIMForm
    template_name = "villages/kim_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.kim}

    def form_valid(self, form):
        try:
            kim = services.update_kim(
                kim=self.kim,
                by=self.request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("change_reason", ""),
                **form.service_kwargs(),
            )
        except services.ConcurrentEditError as error:
            form.add_error(None, error)
            form.concurrent_changes = error.changed
            return self.form_invalid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Perubahan %(name)s disimpan.") % {"name": kim.name})
        return redirect(kim)


class KIMStatusChangeView(JsonAnswerMixin, PermissionRequiredMixin, KIMObjectMixin, FormView):
    permission_required = roles.PERM_STATUS
    write_permission = roles.PERM_STATUS
    form_class = StatusChangeForm
    template_name = "villages/kim_status_form.html"
    keyed_model = KIMStatusChange
    success_message = gettext_lazy("Perubahan status dicatat.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kim": self.kim}

    def get_context_data(self, **kwargs):
        timeline = self.kim.status_changes.select_related("recorded_by")
        return super().get_context_data(timeline=timeline, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.record_status_change(
                kim=self.kim,
                by=self.request.user,
                effective_on=data["effective_on"],
                level=data["level"],
                is_active=data["is_active"],
                note=data["note"],
                client_key=data.get("client_key"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return self.answer(self.kim, self.success_message)


class KIMVoidView(PermissionRequiredMixin, KIMObjectMixin, FormView):
    permission_required = roles.PERM_VOID
    write_permission = roles.PERM_VOID
    form_class = VoidForm
    template_name = "villages/kim_void_form.html"

    def form_valid(self, form):
        try:
            services.void_kim(
                kim=self.kim, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("KIM %(name)s dibatalkan; KIM ini tidak lagi dihitung.") % {"name": self.kim.name},
        )
        return redirect(self.kim)


class KIMActivityView(JsonAnswerMixin, PermissionRequiredMixin, KIMObjectMixin, FormView):
    permission_required = roles.PERM_ACTIVITY
    write_permission = roles.PERM_ACTIVITY
    form_class = ActivityForm
    template_name = "villages/kim_activity_form.html"
    keyed_model = KIMActivity
    success_message = gettext_lazy("Kegiatan dicatat.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kim": self.kim}

    def get_context_data(self, **kwargs):
        recent = self.kim.activities.select_related("recorded_by")[:10]
        return super().get_context_data(recent=recent, **kwargs)

    def form_valid(self, form):
        try:
            services.record_activity(kim=self.kim, by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return self.answer(self.kim, self.success_message)


class KecamatanOptionsView(PermissionRequiredMixin, View):
    """The kecamatan of one kabupaten/kota, for the register/edit form's kecamatan select where
    the kabupaten is chosen first (a province or the whole country; JSON)."""

    permission_required = roles.PERM_VIEW

    def get(self, request):
        kecamatan = (
            Kecamatan.objects.within(scope.of(request.user))
            .filter(kabupaten__code=request.GET.get("kabupaten", ""))
            .order_by("name")
        )
        return JsonResponse(
            {"options": [{"code": k.code, "name": k.name} for k in kecamatan.only("code", "name")]}
        )


class DesaOptionsView(PermissionRequiredMixin, View):
    """The desa of one kecamatan, for the register/edit form's second select (JSON)."""

    permission_required = roles.PERM_VIEW

    def get(self, request):
        desa = desa_choices(request.GET.get("kecamatan", ""), scope.of(request.user)).only(
            "code", "name"
        )
        return JsonResponse(
            {
                "options": [
                    {"code": d.code, "name": desa_choice_label(d), "has_active_kim": d.is_covered}
                    for d in desa
                ]
            }
        )
