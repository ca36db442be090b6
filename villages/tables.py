"""django-tables2 tables of the registry. The same table renders the page and its CSV export,
so a download holds exactly the rows the user filtered. Count columns link to the rows behind
them, on the page's as-of date."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from reports.coverage import coverage_percent

from .choices import KIMLevel
from .models import KIM, Desa, Kecamatan

NUMBER = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class AsOfTable(tables.Table):
    """A table of figures as of ``as_of``; its links keep that date."""

    def __init__(self, *args, as_of, **kwargs):
        self.as_of = as_of
        super().__init__(*args, **kwargs)

    def list_url(self, viewname: str, **params) -> str:
        params["tanggal"] = self.as_of.isoformat()
        return f"{reverse(viewname)}?{urlencode(params)}"


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
    code = tables.Column(verbose_name=_("Kode"))
    desa_total = LinkedCountColumn(
        verbose_name=_("Desa/kel."),
        viewname="villages:desa_list",
        params={"kecamatan": lambda k: k.code},
    )
    desa_covered = LinkedCountColumn(
        verbose_name=_("Desa dengan KIM aktif"),
        viewname="villages:desa_list",
        params={"kecamatan": lambda k: k.code, "tercakup": lambda k: "ya"},
    )
    coverage = tables.Column(verbose_name=_("Cakupan (%)"), attrs=NUMBER)
    kim_formed = LinkedCountColumn(
        verbose_name=_("KIM dibentuk"),
        viewname="villages:kim_list",
        params={"kecamatan": lambda k: k.code},
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
    code = tables.Column(verbose_name=_("Kode"))
    name = tables.Column(verbose_name=_("Desa/kelurahan"), linkify=True)
    kind = tables.Column(verbose_name=_("Jenis"))
    kecamatan = tables.Column(
        verbose_name=_("Kecamatan"), linkify=True, order_by=("kecamatan__name", "code")
    )
    kim_formed = LinkedCountColumn(
        verbose_name=_("KIM dibentuk"),
        viewname="villages:kim_list",
        params={"q": lambda d: d.code},
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
    )
    formed_on = tables.DateColumn(verbose_name=_("Dibentuk"), short=False)
    level_on = tables.Column(verbose_name=_("Tingkat"))
    active_on = YesNoColumn(verbose_name=_("Aktif"))
    last_activity_on = tables.DateColumn(
        verbose_name=_("Kegiatan terakhir"), short=False, default="—"
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
            "last_activity_on",
        ]
        order_by = "name"
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_level_on(self, value):
        return KIMLevel(value).label if value else "—"

    def value_level_on(self, value):
        return str(KIMLevel(value).label) if value else ""


HISTORY_LABELS = {"+": _("Dibuat"), "~": _("Diubah"), "-": _("Dihapus")}


class AuditTable(tables.Table):
    history_date = tables.DateTimeColumn(verbose_name=_("Waktu"), short=False)
    history_user = tables.Column(verbose_name=_("Oleh"), default="—")
    history_type = tables.Column(verbose_name=_("Jenis"))
    name = tables.Column(verbose_name=_("KIM"))
    desa = tables.Column(verbose_name=_("Desa/kelurahan"), order_by="desa__name")
    kecamatan = tables.Column(
        verbose_name=_("Kecamatan"), accessor="desa__kecamatan", order_by="desa__kecamatan__name"
    )
    history_change_reason = tables.Column(verbose_name=_("Keterangan"), default="")

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

    def render_history_type(self, value):
        return HISTORY_LABELS.get(value, value)

    def value_history_type(self, value):
        return str(HISTORY_LABELS.get(value, value))

    def render_name(self, value, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("villages:kim_detail", args=[record.id]), value
        )

    def value_name(self, value):
        return value
