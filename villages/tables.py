"""django-tables2 tables of the registry. The same table renders the page and its CSV export,
so a download holds exactly the rows the user filtered. Count columns link to the rows behind
them, on the page's as-of date."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_tables2.utils import signature

from kimtracker.figures import coverage_percent

from .choices import KIMLevel
from .models import KIM, Desa, Kecamatan


def cells(*, hide_below: str = "", number: bool = False) -> dict:
    """A column's ``attrs``: figures aligned right; a column that is not a list's key column
    hidden on screens narrower than the Bootstrap breakpoint ``hide_below`` ("sm", "md",
    "lg"), so that a list fits a phone (360 px) without scrolling sideways. The rest of a row
    is one tap away: its name links to its page."""
    classes = []
    if number:
        classes.append("text-end")
    if hide_below:
        classes += ["d-none", f"d-{hide_below}-table-cell"]
    return (
        {"td": {"class": " ".join(classes)}, "th": {"class": " ".join(classes)}} if classes else {}
    )


NUMBER = cells(number=True)
# Most rows a page of a list shows, whatever ``?per_page=`` asks.
MAX_PER_PAGE = 500


class PagedTable(tables.Table):
    """A table whose page size, taken from ``?per_page=`` when given (django-tables2), stays
    between 1 and ``MAX_PER_PAGE``: 0 divided by zero, a negative size made the paginator's
    fallback fail (500s), and a huge one would put every desa of the country on one page."""

    def paginate(self, *args, per_page=None, **kwargs):
        if per_page is not None:
            per_page = min(max(per_page, 1), MAX_PER_PAGE)
        return super().paginate(*args, per_page=per_page, **kwargs)


class AsOfTable(PagedTable):
    """A table of figures as of ``as_of``; its links keep that date."""

    def __init__(self, *args, as_of, **kwargs):
        self.as_of = as_of
        super().__init__(*args, **kwargs)

    def as_values(self, exclude_columns=None):
        """The rows of the CSV export: what ``Table.as_values`` yields, about 3 times faster.
        django-tables2 inspects the signature of each column's value function for every cell
        (about 180 µs a row; upstream issue jieter/django-tables2#821), which made the export
        of every desa of Indonesia take 12 s. Here each column's function and its arguments are
        resolved once; ``tests/villages/test_views.py`` checks both give the same rows."""
        exclude_columns = exclude_columns or ()
        columns = [
            column
            for column in self.columns.iterall()
            if not (column.column.exclude_from_export or column.name in exclude_columns)
        ]
        yield [force_str(column.header, strings_only=True) for column in columns]
        getters = [_CellValue(self, column) for column in columns]
        for row in self.rows:
            yield [force_str(get(row), strings_only=True) for get in getters]

    def list_url(self, viewname: str, **params) -> str:
        params["tanggal"] = self.as_of.isoformat()
        return f"{reverse(viewname)}?{urlencode(params)}"


class _CellValue:
    """A column's export value for one row, as ``BoundRow.get_cell_value`` computes it (a
    ``get_FOO_display`` for fields with choices, the column's empty values, then its value
    function called with the arguments it asks for), with that function resolved once. Choice
    labels, and value functions of the value alone (yes/no, levels), are translated once per
    export rather than once per cell."""

    def __init__(self, table, bound_column):
        self.table, self.bound_column = table, bound_column
        self.column = bound_column.column
        self.accessor = tables.A(bound_column.accessor)
        function = bound_column.value
        if getattr(function, "__func__", None) is tables.Column.value:
            function = self.column.render  # all that Column.value does is call render
        self.function = function
        self.arguments, self.catch_all = signature(function)
        # Results of a function of the value alone, by value.
        self.known = {} if (self.arguments == ("value",) and not self.catch_all) else None
        self.labels = None  # decided on the first row: the field's choice labels, or {}

    def __call__(self, row):
        record = row.record
        penultimate, remainder = self.accessor.penultimate(record)
        if self.labels is None:
            self.labels = self._choice_labels(record, penultimate)
        if self.labels:
            value = getattr(penultimate, remainder)
            value = self.labels.get(value, value)
        else:
            try:
                value = self.accessor.resolve(record)
            except Exception:  # what BoundRow does for columns without a field
                return row.get_cell_value(self.bound_column.name)
        if value in self.column.empty_values:
            return None
        if self.known is not None:
            try:
                return self.known[value]
            except KeyError:
                result = self.known[value] = self.function(value=value)
                return result
            except TypeError:  # an unhashable value
                return self.function(value=value)
        available = {
            "value": value,
            "record": record,
            "column": self.column,
            "bound_column": self.bound_column,
            "bound_row": row,
            "table": self.table,
        }
        if self.catch_all:
            return self.function(**available)
        if any(name not in available for name in self.arguments):
            return None
        return self.function(**{name: available[name] for name in self.arguments})

    def _choice_labels(self, record, penultimate) -> dict:
        """What ``get_FOO_display`` shows for each stored value, translated once."""
        if not isinstance(penultimate, models.Model):
            return {}
        try:
            field = self.accessor.get_field(record)
        except FieldDoesNotExist:
            return {}
        if not getattr(field, "choices", ()):
            return {}
        return {value: force_str(label) for value, label in field.flatchoices}


class LinkedCountColumn(tables.Column):
    """A count that links to the filtered list of the rows it counts. ``params`` maps each
    query parameter to a function of the row."""

    def __init__(self, *args, viewname: str, params: dict, **kwargs):
        self.viewname, self.params = viewname, params
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)

    def render(self, value, record, table):
        params = {key: getter(record) for key, getter in self.params.items()}
        return format_html(
            '<a href="{}">{}</a>', table.list_url(self.viewname, **params), intcomma(value)
        )

    def value(self, value):
        return value


class YesNoColumn(tables.BooleanColumn):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("yesno", (_("Ya"), _("Tidak")))
        super().__init__(*args, **kwargs)

    def value(self, value):
        return str(self.yesno[0] if value else self.yesno[1])


class KecamatanTable(AsOfTable):
    name = tables.Column(verbose_name=_("Kecamatan"), linkify=True)
    code = tables.Column(verbose_name=_("Kode"), attrs=cells(hide_below="md"))
    desa_total = LinkedCountColumn(
        verbose_name=_("Desa/kel."),
        viewname="villages:desa_list",
        params={"kecamatan": lambda k: k.code},
        attrs=cells(hide_below="sm", number=True),
    )
    desa_covered = LinkedCountColumn(
        verbose_name=_("Desa dengan KIM aktif"),
        viewname="villages:desa_list",
        params={"kecamatan": lambda k: k.code, "tercakup": lambda k: "ya"},
        attrs=cells(hide_below="md", number=True),
    )
    coverage = tables.Column(verbose_name=_("Cakupan (%)"), attrs=NUMBER)
    kim_formed = LinkedCountColumn(
        verbose_name=_("KIM dibentuk"),
        viewname="villages:kim_list",
        params={"kecamatan": lambda k: k.code},
        attrs=cells(hide_below="md", number=True),
    )
    kim_active = LinkedCountColumn(
        verbose_name=_("KIM aktif"),
        viewname="villages:kim_list",
        params={"kecamatan": lambda k: k.code, "aktif": lambda k: "ya"},
    )

    class Meta:
        model = Kecamatan
        fields = [
            "code",
            "name",
            "desa_total",
            "desa_covered",
            "coverage",
            "kim_formed",
            "kim_active",
        ]
        order_by = "code"
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_coverage(self, record):
        return number_format(coverage_percent(record.desa_covered, record.desa_total), 1)

    def value_coverage(self, record):
        return coverage_percent(record.desa_covered, record.desa_total)


class DesaTable(AsOfTable):
    code = tables.Column(verbose_name=_("Kode"), attrs=cells(hide_below="md"))
    name = tables.Column(verbose_name=_("Desa/kelurahan"), linkify=True)
    kind = tables.Column(verbose_name=_("Jenis"), attrs=cells(hide_below="md"))
    kecamatan = tables.Column(
        verbose_name=_("Kecamatan"), linkify=True, order_by=("kecamatan__name", "code")
    )
    kim_formed = LinkedCountColumn(
        verbose_name=_("KIM dibentuk"),
        viewname="villages:kim_list",
        params={"q": lambda d: d.code},
        attrs=cells(hide_below="sm", number=True),
    )
    is_covered = YesNoColumn(verbose_name=_("Punya KIM aktif"))

    class Meta:
        model = Desa
        fields = ["code", "name", "kind", "kecamatan", "kim_formed", "is_covered"]
        order_by = "code"
        attrs = {"class": "table table-sm table-hover align-middle"}


class KIMTable(AsOfTable):
    name = tables.Column(verbose_name=_("Nama KIM"), linkify=True)
    desa = tables.Column(verbose_name=_("Desa/kelurahan"), linkify=True, order_by="desa__name")
    kecamatan = tables.Column(
        verbose_name=_("Kecamatan"),
        accessor="desa__kecamatan",
        linkify=True,
        order_by="desa__kecamatan__name",
        attrs=cells(hide_below="md"),
    )
    formed_on = tables.DateColumn(
        verbose_name=_("Dibentuk"), short=False, attrs=cells(hide_below="lg")
    )
    level_on = tables.Column(verbose_name=_("Tingkat"))
    active_on = YesNoColumn(verbose_name=_("Aktif"))
    needs_check = YesNoColumn(verbose_name=_("Perlu verifikasi"), attrs=cells(hide_below="md"))
    last_activity_on = tables.DateColumn(
        verbose_name=_("Kegiatan terakhir"), short=False, default="—", attrs=cells(hide_below="lg")
    )

    class Meta:
        model = KIM
        fields = [
            "name",
            "desa",
            "kecamatan",
            "formed_on",
            "level_on",
            "active_on",
            "needs_check",
            "last_activity_on",
        ]
        order_by = "name"
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_level_on(self, value):
        return KIMLevel(value).label if value else "—"

    def render_active_on(self, value, record):
        """A badge, as on the KIM's page; on a phone, where the "perlu verifikasi" column is
        hidden, its badge follows."""
        if value:
            badge = format_html('<span class="badge text-bg-success">{}</span>', _("aktif"))
        else:
            badge = format_html('<span class="badge text-bg-secondary">{}</span>', _("tidak aktif"))
        if getattr(record, "needs_check", False):
            badge = format_html(
                '{} <span class="badge text-bg-warning d-md-none" data-needs-check>{}</span>',
                badge,
                _("perlu verifikasi"),
            )
        return badge

    def render_needs_check(self, value):
        if not value:
            return ""
        return format_html(
            '<span class="badge text-bg-warning" data-needs-check>{}</span>', _("perlu verifikasi")
        )

    def value_active_on(self, value):
        return self.columns["active_on"].column.value(value)

    def value_needs_check(self, value):
        return self.columns["needs_check"].column.value(value)

    def value_level_on(self, value):
        return str(KIMLevel(value).label) if value else ""


class AuditTable(PagedTable):
    history_date = tables.DateTimeColumn(verbose_name=_("Waktu"), short=False)
    history_user = tables.Column(verbose_name=_("Oleh"), default="—", attrs=cells(hide_below="md"))
    history_type = tables.Column(verbose_name=_("Jenis"))
    name = tables.Column(verbose_name=_("KIM"))
    desa = tables.Column(
        verbose_name=_("Desa/kelurahan"), order_by="desa__name", attrs=cells(hide_below="md")
    )
    kecamatan = tables.Column(
        verbose_name=_("Kecamatan"),
        accessor="desa__kecamatan",
        order_by="desa__kecamatan__name",
        attrs=cells(hide_below="lg"),
    )
    history_change_reason = tables.Column(
        verbose_name=_("Keterangan"), default="", attrs=cells(hide_below="md")
    )

    class Meta:
        model = KIM.history.model
        fields = [
            "history_date",
            "history_user",
            "history_type",
            "name",
            "desa",
            "kecamatan",
            "history_change_reason",
        ]
        order_by = "-history_date"
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_name(self, value, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("villages:kim_detail", args=[record.id]), value
        )

    def value_name(self, value):
        return value
