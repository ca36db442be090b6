"""django-filter filter sets of the registry's lists. Each pairs ``kecamatan`` with a free-text
``q``; filters on level and active read the values in force on the page's as-of date."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kimtracker.asof import parse_as_of
from kimtracker.forms import DateInput

from . import scope
from .choices import DesaKind, KIMLevel
from .models import KIM, Desa, Kabupaten, Kecamatan

YES_NO = [("ya", _("Ya")), ("tidak", _("Tidak"))]


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def kecamatan_filter(field_name: str):
    """The kecamatan of a list, by code: a select of every kecamatan (switched to a text field
    for the code by ``SearchFilterSet`` when there are too many to list)."""
    return django_filters.ModelChoiceFilter(
        label=_("Kecamatan"),
        field_name=field_name,
        queryset=Kecamatan.objects.order_by("name"),
        to_field_name="code",
        widget=_select(),
        empty_label=_("Semua kecamatan"),
    )


class SearchFilterSet(django_filters.FilterSet):
    """Adds ``q``: free text matched against ``search_fields`` (icontains). The kecamatan
    offered (and accepted) are those within the user's wilayah (``villages.scope``): a code
    outside it is an invalid choice, so the list shows no row, never a row outside."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(
        label=_("Cari"),
        method="search",
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Nama atau kode")}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope.of(self.request.user) if self.request is not None else scope.EVERYTHING
        kecamatan = self.filters.get("kecamatan")
        if kecamatan is not None:
            kecamatan.queryset = Kecamatan.objects.within(self.scope).order_by("name")
        if kecamatan is not None and kecamatan.queryset.too_many_to_list():
            # A province or the whole country: thousands of <option>s would make every list
            # page hundreds of KB; the code (or a click through from a kecamatan) is asked.
            kecamatan.extra["widget"] = forms.TextInput(
                attrs={
                    "class": "form-control form-control-sm",
                    "placeholder": _("Kode kecamatan, mis. 35.07.08"),
                }
            )
            kecamatan.extra["error_messages"] = {
                "invalid_choice": _("Tidak ada kecamatan dengan kode ini.")
            }

    def search(self, queryset, name, value):
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)


def yes_no_filter(label, *, field_name: str | None = None, method: str | None = None):
    """A Ya/Tidak select: on a boolean ``field_name``, or through the filter set's ``method``."""
    if field_name is not None:

        def method(queryset, name, value):
            return queryset.filter(**{field_name: value == "ya"})

    return django_filters.ChoiceFilter(
        label=label,
        choices=YES_NO,
        method=method,
        widget=_select(),
        empty_label=_("Semua"),
    )


class YearFilter(django_filters.NumberFilter):
    """A calendar year: a whole number the calendar has (1 to 9999). Anything else is an error
    shown by the filter form, never a date built from it (year 0 or 10**20 made a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        message = _("Tahun harus bilangan bulat antara 1 dan 9999.")
        kwargs.setdefault("min_value", datetime.MINYEAR)
        kwargs.setdefault("max_value", datetime.MAXYEAR)
        kwargs.setdefault(
            "error_messages", {"min_value": message, "max_value": message, "invalid": message}
        )
        super().__init__(*args, **kwargs)


class KecamatanFilterSet(SearchFilterSet):
    search_fields = ("name", "code")
    wilayah = django_filters.CharFilter(
        label=_("Kode provinsi/kabupaten"),
        method="filter_wilayah",
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("mis. 35.07")}
        ),
    )
    aktif = yes_no_filter(_("Punya KIM aktif"), method="filter_active")

    class Meta:
        model = Kecamatan
        fields = ["q", "wilayah", "aktif"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In one kabupaten (the usual deployment) the code of a province or kabupaten selects
        # nothing new: the filter is offered only where there are several (a link that asks
        # for it, ``?wilayah=``, is still obeyed).
        kabupaten = Kabupaten.objects.filter(self.scope.q_touching("code"))
        if not self.data.get("wilayah") and kabupaten.order_by()[:2].count() < 2:
            del self.filters["wilayah"]

    def filter_wilayah(self, queryset, name, value):
        """Kecamatan of a province (``35``) or kabupaten (``35.07``), by official code."""
        return queryset.filter(code__startswith=f"{value.strip().rstrip('.')}.")

    def filter_active(self, queryset, name, value):
        """Kecamatan with (``ya``) or without (``tidak``) a KIM active on the list's date."""
        return queryset.filter(kim_active__gt=0) if value == "ya" else queryset.filter(kim_active=0)


class DesaFilterSet(SearchFilterSet):
    search_fields = ("name", "code")
    kecamatan = kecamatan_filter("kecamatan")
    kind = django_filters.ChoiceFilter(
        label=_("Jenis"), choices=DesaKind.choices, widget=_select(), empty_label=_("Semua")
    )
    tercakup = yes_no_filter(_("Punya KIM aktif"), field_name="is_covered")

    class Meta:
        model = Desa
        fields = ["q", "kecamatan", "kind", "tercakup"]


class DesaUncoveredFilterSet(DesaFilterSet):
    """The desa list's filters on the list of desa without an active KIM, less "Punya KIM
    aktif": every row there already answers it "Tidak"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.filters["tercakup"]


class KIMFilterSet(SearchFilterSet):
    search_fields = ("name", "desa__name", "desa__code", "desa__kecamatan__name")
    kecamatan = kecamatan_filter("desa__kecamatan")
    tingkat = django_filters.ChoiceFilter(
        label=_("Tingkat"),
        method="filter_level",
        choices=KIMLevel.choices,
        widget=_select(),
        empty_label=_("Semua tingkat"),
    )
    aktif = yes_no_filter(_("Aktif"), method="filter_active")
    perlu_verifikasi = yes_no_filter(_("Perlu verifikasi"), method="filter_needing_check")
    tahun = YearFilter(
        label=_("Tahun pembentukan"),
        field_name="formed_on",
        lookup_expr="year",
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm", "min": 2000, "max": 2100}
        ),
    )

    class Meta:
        model = KIM
        fields = ["q", "kecamatan", "tingkat", "aktif", "perlu_verifikasi", "tahun"]

    def filter_level(self, queryset, name, value):
        """KIM at that level on the list's as-of date (see ``at_level_on``)."""
        as_of, _errors = parse_as_of(self.request.GET)
        return queryset.filter(pk__in=KIM.objects.at_level_on(value, as_of).values("pk"))

    def filter_active(self, queryset, name, value):
        """KIM active (or not) on the list's as-of date (see ``active_on``)."""
        as_of, _errors = parse_as_of(self.request.GET)
        on = KIM.objects.active_on if value == "ya" else KIM.objects.inactive_on
        return queryset.filter(pk__in=on(as_of).values("pk"))

    def filter_needing_check(self, queryset, name, value):
        """KIM that need checking on the list's as-of date (see ``needing_check``)."""
        as_of, _errors = parse_as_of(self.request.GET)
        stale = KIM.objects.needing_check(as_of).values("pk")
        return queryset.filter(pk__in=stale) if value == "ya" else queryset.exclude(pk__in=stale)


class AuditFilterSet(SearchFilterSet):
    """The KIM history: every registration, edit, status change, void and import, by whom."""

    search_fields = ("name", "history_change_reason", "history_user__username")
    kecamatan = kecamatan_filter("desa__kecamatan")
    jenis = django_filters.ChoiceFilter(
        label=_("Jenis"),
        field_name="history_type",
        # django-simple-history's own kinds and labels, as the audit table shows them.
        choices=KIM.history.model._meta.get_field("history_type").choices,
        widget=_select(),
        empty_label=_("Semua"),
    )
    dari = django_filters.DateFilter(
        label=_("Dari tanggal"),
        field_name="history_date",
        lookup_expr="date__gte",
        widget=DateInput(attrs={"class": "form-control form-control-sm"}),
    )
    sampai = django_filters.DateFilter(
        label=_("Sampai tanggal"),
        field_name="history_date",
        lookup_expr="date__lte",
        widget=DateInput(attrs={"class": "form-control form-control-sm"}),
    )

    class Meta:
        model = KIM.history.model
        fields = ["q", "kecamatan", "jenis", "dari", "sampai"]
