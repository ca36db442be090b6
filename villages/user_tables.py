"""Tables of the users pages: the users a Manajer manages and their account events."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import AccountEvent
from .tables import PagedTable, cells

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}


class UserTable(PagedTable):
    """Users with their role, wilayah (names from ``names``: code -> name), whether active and
    their last log-in. Roles and wilayah come prefetched (``accounts.users_for_table``)."""

    username = tables.Column(verbose_name=_("Nama pengguna"))
    name = tables.Column(
        verbose_name=_("Nama"),
        accessor="first_name",
        order_by=("first_name", "last_name"),
        attrs=cells(hide_below="md"),
    )
    email = tables.Column(verbose_name=_("E-mail"), attrs=cells(hide_below="lg"))
    role = tables.Column(verbose_name=_("Peran"), empty_values=(), orderable=False)
    wilayah = tables.Column(
        verbose_name=_("Wilayah"), empty_values=(), orderable=False, attrs=cells(hide_below="md")
    )
    is_active = tables.Column(verbose_name=_("Aktif"))
    last_login = tables.DateTimeColumn(
        verbose_name=_("Terakhir masuk"),
        short=False,
        default=_("Belum pernah"),
        attrs=cells(hide_below="sm"),
    )

    class Meta:
        fields = ["username", "name", "email", "role", "wilayah", "is_active", "last_login"]
        order_by = "username"
        attrs = TABLE_ATTRS

    def __init__(self, *args, names, **kwargs):
        self.names = names
        super().__init__(*args, **kwargs)

    def render_username(self, value, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("villages:user_detail", args=[record.pk]), value
        )

    def value_username(self, value):
        return value

    def render_name(self, record):
        return record.get_full_name() or "—"

    def render_role(self, record):
        return ", ".join(group.name for group in record.roles) or "—"

    def render_wilayah(self, record):
        codes = [row.code for row in record.wilayah_scope.all()]
        return "; ".join(self.names.get(code, code) for code in codes) or "—"

    def render_is_active(self, value):
        return _("Ya") if value else _("Tidak")


class AccountEventTable(PagedTable):
    """Who changed which user, when, what and why."""

    at = tables.DateTimeColumn(verbose_name=_("Waktu"), short=False)
    user = tables.Column(verbose_name=_("Pengguna"), order_by="user__username")
    kind = tables.Column(verbose_name=_("Jenis"))
    detail = tables.Column(verbose_name=_("Rincian"), default="")
    by = tables.Column(verbose_name=_("Oleh"), default=_("Sistem"), order_by="by__username")
    reason = tables.Column(verbose_name=_("Alasan"), default="", attrs=cells(hide_below="md"))

    class Meta:
        model = AccountEvent
        fields = ["at", "user", "kind", "detail", "by", "reason"]
        order_by = "-at"
        attrs = TABLE_ATTRS

    def render_user(self, value, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("villages:user_detail", args=[record.user_id]), value
        )

    def value_user(self, value):
        return str(value)
