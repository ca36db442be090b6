"""Pages that write the registry: register, edit, record a status change, void. Each view
checks the role (and the kecamatan assignment, through the service), hands the form's data to
``villages.services`` and turns its refusals into messages next to the fields."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from kimtracker import roles
from kimtracker.forms import add_service_errors

from . import permissions, services
from .fields import CONTACT_FIELDS, OFFICER_FIELDS, SK_FIELDS
from .forms import ActivityForm, KIMForm, StatusChangeForm, VoidForm
from .models import KIM, Desa, Kecamatan


class KIMObjectMixin:
    """The KIM of the URL, with the permission to write it checked against its kecamatan."""

    write_permission = roles.PERM_EDIT

    def dispatch(self, request, *args, **kwargs):
        self.kim = get_object_or_404(KIM.objects.for_table().counted(), pk=kwargs["pk"])
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
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        for key, names in self.sections.items():
            context[key] = [form[name] for name in names if name in form.fields]
        return context


class KIMCreateView(PermissionRequiredMixin, KIMFormMixin, FormView):
    permission_required = roles.PERM_ADD
    form_class = KIMForm
    template_name = "villages/kim_form.html"

    def get_initial(self):
        desa = Desa.objects.filter(code=self.request.GET.get("desa", "")).first()
        if desa:
            return {"desa": desa.code, "kecamatan": desa.kecamatan.code}
        return {}

    def form_valid(self, form):
        try:
            kim = services.register_kim(by=self.request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("KIM %(name)s terdaftar.") % {"name": kim.name})
        return redirect(kim)


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
                **form.service_kwargs(),
            )
        except services.ConcurrentEditError as error:
            form.add_error(None, error)
            form.concurrent_changes = error.changed
            return self.form_invalid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Perubahan KIM %(name)s disimpan.") % {"name": kim.name})
        return redirect(kim)


class KIMStatusChangeView(PermissionRequiredMixin, KIMObjectMixin, FormView):
    permission_required = roles.PERM_STATUS
    write_permission = roles.PERM_STATUS
    form_class = StatusChangeForm
    template_name = "villages/kim_status_form.html"

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
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Perubahan status dicatat."))
        return redirect(self.kim)


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


class KIMActivityView(PermissionRequiredMixin, KIMObjectMixin, FormView):
    permission_required = roles.PERM_ACTIVITY
    write_permission = roles.PERM_ACTIVITY
    form_class = ActivityForm
    template_name = "villages/kim_activity_form.html"

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
        messages.success(self.request, _("Kegiatan dicatat."))
        return redirect(self.kim)


class KecamatanOptionsView(PermissionRequiredMixin, View):
    """The kecamatan of one kabupaten/kota, for the register/edit form's kecamatan select where
    the kabupaten is chosen first (a province or the whole country; JSON)."""

    permission_required = roles.PERM_VIEW

    def get(self, request):
        kecamatan = Kecamatan.objects.filter(
            kabupaten__code=request.GET.get("kabupaten", "")
        ).order_by("name")
        return JsonResponse(
            {"options": [{"code": k.code, "name": k.name} for k in kecamatan.only("code", "name")]}
        )


class DesaOptionsView(PermissionRequiredMixin, View):
    """The desa of one kecamatan, for the register/edit form's second select (JSON)."""

    permission_required = roles.PERM_VIEW

    def get(self, request):
        desa = Desa.objects.filter(kecamatan__code=request.GET.get("kecamatan", "")).order_by(
            "name"
        )
        return JsonResponse(
            {"options": [{"code": d.code, "name": d.name} for d in desa.only("code", "name")]}
        )
