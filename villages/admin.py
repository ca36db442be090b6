"""Admin for the registry. KIM and status changes are written through the services, so the
admin keeps the same rules and the same timeline as the rest of the application."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from kimtracker import two_factor
from kimtracker.admin import HistoryAdmin, ModelAdmin

from . import services
from .fields import KIM_DETAIL_FIELDS
from .forms import NormalisedNameForm, StatusChangeForm
from .models import (
    KIM,
    AccountEvent,
    Desa,
    Kabupaten,
    Kecamatan,
    KIMStatusChange,
    Provinsi,
    UserWilayah,
)


def area_list_filter(kecamatan: str):
    """A sidebar filter on the kecamatan reached through ``kecamatan`` (a lookup path), or on
    its kabupaten/kota where there are too many kecamatan to list (a province or the whole
    country: 7,277 links would make every page of the list about half a megabyte)."""

    class AreaListFilter(admin.SimpleListFilter):
        parameter_name = "wilayah"
        title = _("kecamatan")

        def __init__(self, request, params, model, model_admin):
            self.by_kabupaten = Kecamatan.objects.too_many_to_list()
            if self.by_kabupaten:
                self.title = _("kabupaten/kota")
            super().__init__(request, params, model, model_admin)

        def lookups(self, request, model_admin):
            areas = Kabupaten.objects if self.by_kabupaten else Kecamatan.objects
            return list(areas.order_by("name").values_list("code", "name"))

        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            if self.by_kabupaten:
                return queryset.filter(**{f"{kecamatan}__kabupaten__code": self.value()})
            return queryset.filter(**{f"{kecamatan}__code": self.value()})

    return AreaListFilter


@admin.register(Provinsi)
class ProvinsiAdmin(ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Kabupaten)
class KabupatenAdmin(ModelAdmin):
    list_display = ["code", "name", "provinsi"]
    list_select_related = ["provinsi"]
    search_fields = ["code", "name"]
    list_filter = ["provinsi"]


@admin.register(Kecamatan)
class KecamatanAdmin(ModelAdmin):
    list_display = ["code", "name", "kabupaten"]
    list_select_related = ["kabupaten"]
    search_fields = ["code", "name"]
    list_filter = ["kabupaten"]


@admin.register(Desa)
class DesaAdmin(ModelAdmin):
    list_display = ["code", "name", "kind", "kecamatan"]
    list_select_related = ["kecamatan"]
    search_fields = ["code", "name", "kecamatan__name"]
    list_filter = ["kind", area_list_filter("kecamatan")]


class StatusChangeInline(admin.TabularInline):
    model = KIMStatusChange
    extra = 0
    can_delete = False
    fields = ["effective_on", "level", "is_active", "note", "recorded_by", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class KIMAdminForm(NormalisedNameForm):
    """The admin's KIM form. The unique name in the desa holds only for KIM not voided, a field
    the admin shows read-only, so Django's form leaves that rule out: it is checked here, at
    the name, instead of reaching the service as a server error."""

    def _post_clean(self):
        super()._post_clean()
        if "name" in self._errors or "desa" in self._errors:
            return
        try:
            self.instance.validate_constraints()
        except ValidationError as error:
            for message in error.messages:
                field = "name" if message == str(services.DUPLICATE_NAME) else None
                self.add_error(field, message)


@admin.register(KIM)
class KIMAdmin(HistoryAdmin):
    list_display = ["name", "desa", "kecamatan", "formed_on", "level", "is_active", "is_demo"]
    list_select_related = ["desa__kecamatan"]
    search_fields = ["name", "desa__name", "desa__code", "desa__kecamatan__name"]
    list_filter = [
        "level",
        "is_active",
        "is_demo",
        ("voided_at", admin.EmptyFieldListFilter),
        area_list_filter("desa__kecamatan"),
    ]
    autocomplete_fields = ["desa"]
    date_hierarchy = "formed_on"
    readonly_fields = [
        "level",
        "is_active",
        "inactive_since",
        "is_demo",
        "voided_at",
        "void_reason",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [StatusChangeInline]
    form = KIMAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("kecamatan"), ordering="desa__kecamatan__name")
    def kecamatan(self, obj):
        return obj.desa.kecamatan

    def save_model(self, request, obj, form, change):
        details = {f: form.cleaned_data[f] for f in KIM_DETAIL_FIELDS if f in form.cleaned_data}
        identity = {f: form.cleaned_data[f] for f in ("desa", "name", "formed_on")}
        if change:
            saved = services.update_kim(kim=obj, by=request.user, **identity, **details)
        else:
            saved = services.register_kim(by=request.user, **identity, **details)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_kim(kim=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for kim in queryset:
            services.delete_kim(kim=kim, by=request.user)


@admin.register(UserWilayah)
class UserWilayahAdmin(ModelAdmin):
    """The wilayah each user works within (``villages.scope``); ``manage.py grant`` and the
    users page set them with the role."""

    list_display = ["user", "code", "granted_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "code"]


@admin.register(KIMStatusChange)
class KIMStatusChangeAdmin(ModelAdmin):
    """Entries are facts: added through the service, never edited or deleted here; the form is
    the KIM page's, with the KIM to choose."""

    form = StatusChangeForm

    list_display = ["kim", "effective_on", "level", "is_active", "recorded_by", "recorded_at"]
    list_select_related = ["kim", "recorded_by"]
    search_fields = ["kim__name", "kim__desa__name", "kim__desa__code", "note"]
    list_filter = ["level", "is_active", area_list_filter("kim__desa__kecamatan")]
    autocomplete_fields = ["kim"]
    fields = ["kim", "effective_on", "level", "is_active", "note"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.record_status_change(
            kim=form.cleaned_data["kim"],
            effective_on=form.cleaned_data["effective_on"],
            level=form.cleaned_data["level"],
            is_active=form.cleaned_data["is_active"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        obj.pk = saved.pk


@admin.register(AccountEvent)
class AccountEventAdmin(ModelAdmin):
    """Account events are written by ``villages.accounts`` only: read here, never changed."""

    list_display = ["at", "user", "kind", "detail", "by", "reason"]
    list_filter = ["kind"]
    search_fields = ["user__username", "by__username", "detail", "reason"]
    list_select_related = ["user", "by"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# django-otp's own TOTP admin answers an unknown id on its QR-code page with a server error
# (TOTPDevice.DoesNotExist): a plain one instead, where the superuser removes a lost
# authenticator (the device's key is never shown).
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ModelAdmin):
    """Removing is the one change: each removal is an account event of the device's user, by
    the administrator, in the same transaction (``kimtracker.two_factor.device_changed``)."""

    list_display = ["user", "name", "confirmed"]
    search_fields = ["user__username", "name"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]

    def has_add_permission(self, request):
        return False

    @transaction.atomic
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _device_removed(obj, by=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        devices = list(queryset.select_related("user"))
        super().delete_queryset(request, queryset)
        for device in devices:
            _device_removed(device, by=request.user)


def _device_removed(device, *, by) -> None:
    if device.confirmed:
        two_factor.device_changed.send(
            sender=TOTPDeviceAdmin, user=device.user, enrolled=False, by=by
        )
