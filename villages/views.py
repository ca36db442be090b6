"""Pages of the registry: kecamatan, desa and KIM lists and details, every figure as of the
page's date (``?tanggal=``). Lists are declarative (table + filter); reads are queryset
methods, so each page runs a fixed number of queries."""

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from kimtracker import roles
from kimtracker.asof import AsOfMixin
from kimtracker.downloads import ExportMixin, export_filename
from kimtracker.figures import coverage_percent
from kimtracker.roles import ViewPermissionMixin

from . import permissions, scope
from .fields import PERSONAL_FIELDS, changed_fields
from .filters import (
    AuditFilterSet,
    DesaFilterSet,
    DesaUncoveredFilterSet,
    KecamatanFilterSet,
    KIMFilterSet,
)
from .models import KIM, Desa, Kecamatan, KIMStatusChange
from .querysets import BOUNDARIES_VIA_DESA, BOUNDARY_FIELDS
from .tables import AuditTable, DesaTable, KecamatanTable, KIMTable


class WithinScopeMixin:
    """Reads within the user's wilayah (``villages.scope``): lists keep only the rows within
    it, detail pages answer 404 outside it (not 403: whether the row exists is not told). The
    scope is read once per request (one query, cached on the user); for the whole country its
    filter is no condition at all."""

    @cached_property
    def user_scope(self) -> scope.Scope:
        return scope.of(self.request.user)

    def get_context_data(self, **kwargs):
        # A user given no wilayah yet sees every list empty: the page says why.
        return super().get_context_data(no_wilayah=self.user_scope.is_empty, **kwargs)


class AsOfTableMixin(
    WithinScopeMixin, ViewPermissionMixin, AsOfMixin, ExportMixin, SingleTableMixin
):
    """A filtered table of figures as of the page's date, within the user's wilayah,
    downloadable as CSV."""

    export_formats = ("csv",)
    # The table paginates (django-tables2); a ListView paginate_by would count the rows again.
    table_pagination = {"per_page": 50}

    def get_table_kwargs(self):
        return {"as_of": self.as_of}

    def get_export_filename(self, export_format):
        filterset = getattr(self, "filterset", None)
        return export_filename(
            self.export_name, filterset, self.as_of.isoformat(), extension=export_format
        )


class KecamatanListView(AsOfTableMixin, FilterView):
    model = Kecamatan
    table_class = KecamatanTable
    filterset_class = KecamatanFilterSet
    template_name = "villages/kecamatan_list.html"
    export_name = "kecamatan"
    table_pagination = {"per_page": 100}

    def get_queryset(self):
        return Kecamatan.objects.within(self.user_scope).with_coverage(self.as_of)


class DesaListView(AsOfTableMixin, FilterView):
    model = Desa
    table_class = DesaTable
    filterset_class = DesaFilterSet
    template_name = "villages/desa_list.html"
    export_name = "desa"
    title = pgettext_lazy("judul daftar", "Desa/kelurahan")

    def get_queryset(self):
        return Desa.objects.within(self.user_scope).with_coverage(self.as_of).for_table()

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, **kwargs)


class DesaUncoveredListView(DesaListView):
    """Desa lacking an active KIM on the page's date: where the office still has work."""

    export_name = "desa-tanpa-kim"
    title = _("Desa/kelurahan tanpa KIM aktif")
    filterset_class = DesaUncoveredFilterSet

    def get_queryset(self):
        return super().get_queryset().filter(is_covered=False)

    def get_table_kwargs(self):
        # "Punya KIM aktif" would read "Tidak" on every row of this list.
        return {**super().get_table_kwargs(), "exclude": ("is_covered",)}


class KIMListView(AsOfTableMixin, FilterView):
    model = KIM
    table_class = KIMTable
    filterset_class = KIMFilterSet
    template_name = "villages/kim_list.html"
    export_name = "kim"

    def get_queryset(self):
        return (
            KIM.objects.within(self.user_scope)
            .for_table()
            .formed_by(self.as_of)
            .with_status_on(self.as_of)
            .with_last_activity(self.as_of)
            .with_needing_check(self.as_of)
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_register=self.request.user.has_perm(roles.PERM_ADD), **kwargs
        )


class AuditLogView(
    WithinScopeMixin, PermissionRequiredMixin, ExportMixin, SingleTableMixin, FilterView
):
    """Managers' audit log: who registered, edited, changed the status of, voided or imported
    which KIM, and when (the KIM history kept by django-simple-history), within the user's
    wilayah: each history row by the desa the KIM had then."""

    permission_required = roles.PERM_AUDIT
    table_class = AuditTable
    filterset_class = AuditFilterSet
    template_name = "villages/audit_log.html"
    table_pagination = {"per_page": 50}
    export_formats = ("csv",)
    export_name = "log-audit"

    def get_queryset(self):
        return (
            KIM.history.filter(self.user_scope.q("desa__code"))
            .select_related("history_user", "desa__kecamatan")
            .defer(*BOUNDARIES_VIA_DESA)
        )


def _kims_on(as_of):
    """Prefetch of a desa's KIM formed by ``as_of``, with their level and active flag then."""
    return Prefetch(
        "kims",
        queryset=KIM.objects.formed_by(as_of).with_status_on(as_of).order_by("name"),
        to_attr="kims_on",
    )


class KecamatanDetailView(WithinScopeMixin, ViewPermissionMixin, AsOfMixin, DetailView):
    slug_field = slug_url_kwarg = "code"
    template_name = "villages/kecamatan_detail.html"

    def get_queryset(self):
        return (
            Kecamatan.objects.within(self.user_scope)
            .with_coverage(self.as_of)
            .select_related("kabupaten")
        )

    def get_context_data(self, **kwargs):
        desa = (
            self.object.desa.with_coverage(self.as_of)
            .defer(*BOUNDARY_FIELDS)
            .prefetch_related(_kims_on(self.as_of))
            .order_by("code")
        )
        # Its own map (the kecamatan and its desa) wherever either has a boundary; the data
        # from the coverage map's endpoint, kept to this kecamatan.
        map_layers = {
            "kecamatan": self.object.boundary is not None,
            "desa": self.object.desa.filter(boundary__isnull=False).exists(),
        }
        query = urlencode({"tanggal": self.as_of.isoformat(), "kecamatan": self.object.code})
        return super().get_context_data(
            desa_list=desa,
            coverage_percent=coverage_percent(self.object.desa_covered, self.object.desa_total),
            has_map=any(map_layers.values()),
            map_layers=map_layers,
            map_data_url=f"{reverse('reports:map_data')}?{query}",
            tile_url=settings.KIM_MAP_TILE_URL,
            **kwargs,
        )


class DesaDetailView(WithinScopeMixin, ViewPermissionMixin, AsOfMixin, DetailView):
    slug_field = slug_url_kwarg = "code"
    template_name = "villages/desa_detail.html"

    def get_queryset(self):
        return (
            Desa.objects.within(self.user_scope)
            .with_coverage(self.as_of)
            .for_table()
            # The breadcrumbs name the kabupaten: joined, without its outline.
            .select_related("kecamatan__kabupaten")
            .defer("kecamatan__kabupaten__boundary")
            .prefetch_related(
                _kims_on(self.as_of),
                Prefetch(
                    "kims_on__status_changes",
                    queryset=KIMStatusChange.objects.select_related("recorded_by"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            can_register=permissions.may_write_in(user, self.object, roles.PERM_ADD), **kwargs
        )


class KIMDetailView(WithinScopeMixin, ViewPermissionMixin, AsOfMixin, DetailView):
    template_name = "villages/kim_detail.html"

    def get_queryset(self):
        return (
            KIM.objects.within(self.user_scope)
            .for_table()
            # The breadcrumbs name the kabupaten: joined, without its outline.
            .select_related("desa__kecamatan__kabupaten")
            .defer("desa__kecamatan__kabupaten__boundary")
            .with_status_on(self.as_of)
            .with_last_activity(self.as_of)
        )

    def get_context_data(self, **kwargs):
        show_personal_data = self.request.user.has_perm(roles.PERM_PERSONAL)
        hidden = frozenset() if show_personal_data else PERSONAL_FIELDS
        records = list(self.object.history.select_related("history_user"))
        history = [
            (record, changed_fields(record, older, hidden=hidden))
            for record, older in zip(records, records[1:] + [None], strict=True)
        ]
        user, desa = self.request.user, self.object.desa
        writable = self.object.voided_at is None
        return super().get_context_data(
            timeline=self.object.status_changes.select_related("recorded_by"),
            history=history,
            show_personal_data=show_personal_data,
            can_edit=writable and permissions.may_write_in(user, desa, roles.PERM_EDIT),
            can_record_status=writable and permissions.may_write_in(user, desa, roles.PERM_STATUS),
            can_void=writable and permissions.may_write_in(user, desa, roles.PERM_VOID),
            can_record_activity=writable
            and permissions.may_write_in(user, desa, roles.PERM_ACTIVITY),
            activities=self.object.activities.filter(occurred_on__lte=self.as_of).select_related(
                "recorded_by"
            )[:50],
            needs_check=KIM.objects.needing_check(self.as_of).filter(pk=self.object.pk).exists(),
            **kwargs,
        )
