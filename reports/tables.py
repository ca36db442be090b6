"""django-tables2 tables of the analysis pages: the comparison of a wilayah's areas
(``reports.comparison``), sortable by any figure. The files of that page are written from the
same rows by ``reports.comparison`` (with a total line and the title), not from this table."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from villages.tables import cells


def _number(value) -> str:
    return "—" if value is None else intcomma(value)


def _percent(value) -> str:
    return "—" if value is None else number_format(value, 1)


class FigureColumn(tables.Column):
    """A count, right-aligned, "—" when there is none (an area without a target); its footer is
    the total row's value of the same figure."""

    def __init__(self, *args, percent: bool = False, hide_below: str = "", **kwargs):
        self.percent = percent
        attrs = cells(hide_below=hide_below, number=True)
        # The footer cell (the total) hides and aligns with its column ("tf").
        kwargs.setdefault("attrs", {**attrs, "tf": attrs["td"]})
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("footer", self._footer)
        super().__init__(*args, **kwargs)

    def _footer(self, bound_column, table):
        return self.render(bound_column.accessor.resolve(table.total))

    def render(self, value):
        return _percent(value) if self.percent else _number(value)


class ComparisonTable(tables.Table):
    """One row per area. Each name leads one level down: a kabupaten/kota or provinsi to the
    comparison of its own areas, a kecamatan to its page (its desa); the dashboard of each area
    is a second link. On a phone (360 px) the name, coverage and progress to target stay."""

    name = tables.Column(verbose_name=_("Wilayah"), footer=lambda table: table.total.name)
    desa_total = FigureColumn(verbose_name=_("Desa/kel."), hide_below="md")
    desa_covered = FigureColumn(verbose_name=_("Desa/kel. dengan KIM aktif"), hide_below="md")
    coverage_percent = FigureColumn(verbose_name=_("Cakupan (%)"), percent=True)
    kim_formed = FigureColumn(verbose_name=_("KIM dibentuk"), hide_below="sm")
    kim_active = FigureColumn(verbose_name=_("KIM aktif"), hide_below="sm")
    kim_needing_check = FigureColumn(verbose_name=_("KIM perlu verifikasi"), hide_below="lg")
    target = FigureColumn(verbose_name=_("Target KIM"), hide_below="lg")
    target_percent = FigureColumn(verbose_name=_("Capaian target (%)"), percent=True)
    target_missing = FigureColumn(verbose_name=_("Kekurangan KIM"), hide_below="lg")

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle", "data-comparison": ""}
        row_attrs = {"data-code": lambda record: record.code}
        orderable = True

    def __init__(self, *args, total, as_of, **kwargs):
        self.total, self.as_of = total, as_of
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        date = {"tanggal": self.as_of.isoformat()}
        if record.level == "kecamatan":
            down = reverse("villages:kecamatan_detail", args=[record.code])
            down = f"{down}?{urlencode(date)}"
        else:
            down = f"{reverse('reports:comparison')}?{urlencode({**date, 'wilayah': record.code})}"
        dashboard = f"{reverse('dashboard')}?{urlencode({**date, 'wilayah': record.code})}"
        return format_html(
            '<a href="{}" data-down>{}</a> <a href="{}" class="small text-body-secondary '
            'text-nowrap" data-dashboard title="{}">{}</a>',
            down,
            record.name,
            dashboard,
            _("Dasbor %(name)s") % {"name": record.name},
            _("dasbor"),
        )

    def value_name(self, value):
        return value
