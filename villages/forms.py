"""Forms of the registry. They validate and show errors next to each field; the views hand the
cleaned data to ``villages.services``, which checks again and writes."""

import uuid

from django import forms
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kimtracker.dates import earliest_date
from kimtracker.forms import BootstrapMixin, DateInput

from . import scope as scopes
from .choices import ActivityKind, KIMLevel
from .fields import KIM_DETAIL_FIELDS, PHONE_FIELDS
from .models import KIM, Desa, Kabupaten, Kecamatan, KIMStatusChange
from .names import normalize_name
from .services import DUPLICATE_NAME, check_changes_something
from .validators import normalize_phone


def https_by_default(db_field, **kwargs):
    """A model field's form field; a URL typed without its scheme is taken as https (the
    behaviour of Django 6, without its deprecation warning)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ClientKeyField(forms.UUIDField):
    """The key of one entry, made where the entry is made: the page gives each new form one,
    and ``static/js/offline.js`` a fresh one for each entry kept on the device while offline.
    The services store it, so the same entry sent twice is written once."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)
        kwargs.setdefault(
            "error_messages",
            {"invalid": _("Kunci entri tidak terbaca; buka formulir baru dan isi lagi.")},
        )
        super().__init__(**kwargs)


class KabupatenChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name_with_provinsi


def desa_choices(kecamatan_code: str, scope: scopes.Scope = scopes.EVERYTHING):
    """The desa of a kecamatan within ``scope`` (the user's wilayah) for the KIM form's select
    (page and JSON alike), each knowing whether it has a KIM active today (``is_covered``), so
    the officer sees it before choosing."""
    return (
        Desa.objects.filter(kecamatan__code=kecamatan_code)
        .within(scope)
        .with_coverage(timezone.localdate())
        .order_by("name")
    )


def desa_choice_label(desa) -> str:
    """A desa's option text: its name, and whether it already has an active KIM."""
    if getattr(desa, "is_covered", False):
        return _("%(name)s (sudah ada KIM aktif)") % {"name": desa.name}
    return desa.name


class DesaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return desa_choice_label(obj)


class NormalisedNameForm(forms.ModelForm):
    """A KIM's name as the services will store it (``villages.names``), so that the form's own
    checks (the unique name in the desa, the second KIM's confirmation) and the page see that
    one. The register/edit page and the admin use it."""

    def clean_name(self):
        name = normalize_name(self.cleaned_data.get("name", ""))
        if not name:
            raise forms.ValidationError(self.fields["name"].error_messages["required"], "required")
        return name


class KIMForm(BootstrapMixin, NormalisedNameForm):
    """Register or edit a KIM: desa chosen by kecamatan then desa. When the desa already has an
    active KIM, the officer must confirm that a second one is meant.

    Where there are too many kecamatan for one select (a province or the whole country, see
    ``KecamatanQuerySet.too_many_to_list``), the kabupaten/kota is chosen first and the
    kecamatan select holds only its kecamatan.

    Every select offers (and accepts) only what lies within ``scope``, the user's wilayah
    (``villages.scope``); the kabupaten/kota select those holding some of it."""

    kabupaten = KabupatenChoiceField(
        label=_("Kabupaten/kota"),
        queryset=Kabupaten.objects.select_related("provinsi").order_by("code"),
        to_field_name="code",
        empty_label=_("Pilih kabupaten/kota"),
    )
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"),
        queryset=Kecamatan.objects.select_related("kabupaten").order_by("kabupaten__code", "name"),
        to_field_name="code",
        empty_label=_("Pilih kecamatan"),
    )
    desa = DesaChoiceField(
        label=_("Desa/kelurahan"),
        queryset=Desa.objects.none(),
        to_field_name="code",
        empty_label=_("Pilih desa/kelurahan"),
        error_messages={
            "invalid_choice": _("Pilih desa/kelurahan yang ada di kecamatan terpilih.")
        },
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        error_messages={
            key: _(
                "Formulir ini tidak membawa versi KIM yang sedang diubah; muat ulang halaman, "
                "lalu simpan lagi."
            )
            for key in ("required", "invalid", "min_value")
        },
    )
    confirm_second = forms.BooleanField(
        label=_("Ya, desa ini memang punya lebih dari satu KIM"), required=False
    )
    # Registration only (an edit carries ``version``).
    client_key = ClientKeyField()
    change_reason = forms.CharField(
        label=_("Alasan perubahan"),
        required=False,
        # django-simple-history keeps a change's reason in 100 characters.
        max_length=100,
        help_text=_(
            "Dicatat di riwayat KIM. Wajib bila tanggalnya masuk bulan yang laporannya sudah "
            "terbit dan kantor mewajibkan alasan untuk itu."
        ),
    )

    class Meta:
        model = KIM
        fields = ["kabupaten", "kecamatan", "desa", "name", "formed_on", *KIM_DETAIL_FIELDS]
        formfield_callback = https_by_default
        widgets = {
            "formed_on": DateInput(),
            "sk_date": DateInput(),
            "address": forms.Textarea(attrs={"rows": 2}),
            **{
                f: forms.TextInput(attrs={"inputmode": "tel", "placeholder": "08…"})
                for f in PHONE_FIELDS
            },
        }

    def __init__(self, *args, scope: scopes.Scope = scopes.EVERYTHING, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["kabupaten"].queryset = self.fields["kabupaten"].queryset.filter(
            scope.q_touching("code")
        )
        self.fields["kecamatan"].queryset = self.fields["kecamatan"].queryset.within(scope)
        for name in ("formed_on", "sk_date"):
            self.fields[name].widget.attrs.update(
                min=earliest_date().isoformat(), max=timezone.localdate().isoformat()
            )
        kecamatan_code = self._value("kecamatan") or (
            self.instance.desa.kecamatan.code if self.instance.desa_id else None
        )
        if self.instance.pk and not self.is_bound:
            self.initial.setdefault("kecamatan", self.instance.desa.kecamatan.code)
            self.initial.setdefault("desa", self.instance.desa.code)
            self.initial["version"] = self.instance.version
        if self.instance.pk:
            # The conflict check of ``services.update_kim`` needs the version the form was
            # built from: an edit without it (a hand-made request) would overwrite blindly.
            self.fields["version"].required = True
            del self.fields["client_key"]
        if kecamatan_code:
            self.fields["desa"].queryset = desa_choices(kecamatan_code, scope).select_related(
                "kecamatan"
            )
        self.fields["desa"].widget.attrs["data-options-url"] = reverse("villages:desa_options")
        if self.fields["kecamatan"].queryset.too_many_to_list():
            self._choose_kabupaten_first(kecamatan_code)
        else:
            del self.fields["kabupaten"]
        self.needs_confirmation = False

    def _choose_kabupaten_first(self, kecamatan_code: str | None) -> None:
        """Offer only the kecamatan of the chosen kabupaten/kota (none before it is chosen);
        a kecamatan of another one is refused. Kemendagri codes nest: kecamatan 35.07.08 lies
        in kabupaten 35.07."""
        kabupaten_code = self._value("kabupaten") or (
            kecamatan_code.rsplit(".", 1)[0] if kecamatan_code else None
        )
        if kabupaten_code and not self.is_bound:
            self.initial.setdefault("kabupaten", kabupaten_code)
        field = self.fields["kecamatan"]
        field.queryset = (
            field.queryset.filter(kabupaten__code=kabupaten_code)
            if kabupaten_code
            else field.queryset.none()
        )
        field.widget.attrs["data-options-url"] = reverse("villages:kecamatan_options")
        field.error_messages["invalid_choice"] = _(
            "Pilih kecamatan yang ada di kabupaten/kota terpilih."
        )

    def _value(self, name):
        if self.is_bound:
            return self.data.get(self.add_prefix(name)) or None
        value = self.initial.get(name)
        return getattr(value, "code", value)

    def _clean_phone(self, name):
        return normalize_phone(self.cleaned_data.get(name, ""))

    def clean_chair_phone(self):
        return self._clean_phone("chair_phone")

    def clean_secretary_phone(self):
        return self._clean_phone("secretary_phone")

    def clean_treasurer_phone(self):
        return self._clean_phone("treasurer_phone")

    def clean(self):
        data = super().clean()
        for hidden in ("version", "client_key"):
            if hidden in self.errors:
                # A hidden field has no place of its own on the page: its error is the form's.
                self.add_error(None, self.errors.pop(hidden))
        desa = data.get("desa")
        name = data.get("name")
        # The desa's other KIM read once, for both checks below: read twice, a KIM registered
        # by someone else between the reads gave the second check without the first (the
        # "already has an active KIM" confirmation instead of the duplicate name).
        others = (
            list(
                KIM.objects.counted()
                .filter(desa=desa)
                .exclude(pk=self.instance.pk)
                .values_list("name", "is_active")
            )
            if desa
            else []
        )
        # The service refuses a duplicate name too; said here, next to the name, with the other
        # refusals (an entry kept offline meets a name registered meanwhile). Case ignored, as
        # the service does (``check_registrations``).
        if (
            name
            and "name" not in self.errors
            and any(other.lower() == name.lower() for other, _active in others)
        ):
            self.add_error("name", DUPLICATE_NAME)
        if desa and (self.instance.pk is None or desa != self.instance.desa):
            names = [other for other, active in others if active]
            if names and not data.get("confirm_second"):
                self.needs_confirmation = True
                self.add_error(
                    "confirm_second",
                    _(
                        "%(desa)s sudah punya KIM aktif (%(names)s). Centang konfirmasi bila "
                        "memang ingin mendaftarkan KIM lain di desa ini."
                    )
                    % {"desa": desa.name, "names": ", ".join(names)},
                )
        return data

    def service_kwargs(self) -> dict:
        """The cleaned data as the services take it."""
        data = self.cleaned_data
        return {
            "desa": data["desa"],
            "name": data["name"],
            "formed_on": data["formed_on"],
            **{f: data[f] for f in KIM_DETAIL_FIELDS},
        }


class StatusChangeForm(BootstrapMixin, forms.ModelForm):
    """A dated change of level and/or active flag, with a note: never a silent field edit. The
    KIM's page passes its ``kim``; the admin offers the KIM as a field. Refuses, next to the
    fields, a date before the formation (the model's rules) and a change that leaves the KIM as
    it already was on that date (``services.check_changes_something``); the service checks
    both again when it writes."""

    level = forms.ChoiceField(
        label=_("Tingkat"),
        choices=[("", _("Tidak berubah")), *KIMLevel.choices],
        required=False,
    )
    is_active = forms.NullBooleanField(
        label=_("Status aktif"),
        # "Tidak berubah" is an answer: no ``required`` for the browser's own checks.
        required=False,
        widget=forms.Select(
            choices=[("", _("Tidak berubah")), ("true", _("Aktif")), ("false", _("Tidak aktif"))]
        ),
    )
    note = forms.CharField(
        label=_("Catatan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=KIMStatusChange._meta.get_field("note").max_length,
        help_text=_("Misalnya hasil kunjungan atau dasar perubahan."),
    )
    client_key = ClientKeyField()

    class Meta:
        model = KIMStatusChange
        fields = ["effective_on", "level", "is_active", "note"]
        widgets = {"effective_on": DateInput()}

    def __init__(self, *args, kim=None, **kwargs):
        self.kim = kim
        if kim is not None:
            kwargs.setdefault("instance", KIMStatusChange(kim=kim))
        kwargs.setdefault("initial", {"effective_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        attrs = self.fields["effective_on"].widget.attrs
        attrs["max"] = timezone.localdate().isoformat()
        attrs["min"] = max(kim.formed_on, earliest_date()) if kim else earliest_date()
        attrs["min"] = attrs["min"].isoformat()

    def clean(self):
        data = super().clean()
        kim = data.get("kim") or self.kim
        effective_on = data.get("effective_on")
        changes = data.get("level") or data.get("is_active") is not None
        if kim and effective_on and effective_on >= kim.formed_on and changes:
            check_changes_something(
                kim=kim,
                effective_on=effective_on,
                level=data.get("level", ""),
                is_active=data.get("is_active"),
            )
        return data


class VoidForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Alasan pembatalan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=KIM._meta.get_field("void_reason").max_length,
        help_text=_("KIM yang dibatalkan tidak dihitung di mana pun, tetapi tetap ada di riwayat."),
    )


class ActivityForm(BootstrapMixin, forms.Form):
    occurred_on = forms.DateField(label=_("Tanggal kegiatan"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Jenis kegiatan"), choices=ActivityKind.choices)
    description = forms.CharField(label=_("Uraian singkat"), max_length=300)
    link = forms.URLField(
        label=_("Tautan"),
        required=False,
        assume_scheme="https",
        help_text=_("Unggahan media sosial, artikel atau video (boleh kosong)."),
    )
    client_key = ClientKeyField()

    def __init__(self, *args, kim, **kwargs):
        kwargs.setdefault("initial", {"occurred_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].widget.attrs.update(
            min=max(kim.formed_on, earliest_date()).isoformat(),
            max=timezone.localdate().isoformat(),
        )
