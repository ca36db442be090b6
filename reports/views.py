"""The analysis pages: dashboard and coverage map. Their figures come from ``reports.coverage``;
chart and map data reach the scripts through ``json_script`` or a JSON endpoint."""

import datetime
import json
import re

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import get_format
from django.utils.http import urlencode
from django.utils.text import compress_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from kimtracker import figure_cache
from kimtracker.asof import AsOfMixin
from kimtracker.downloads import CONTENT_TYPES, attachment, offered_format
from kimtracker.roles import ViewPermissionMixin
from villages import scope
from villages.choices import KIMLevel
from villages.models import Desa, Kabupaten, Kecamatan, Provinsi
from villages.querysets import BOUNDARY_FIELDS

from . import bands, comparison, coverage, followup, monthly


def _with_date(url: str, as_of: datetime.date) -> str:
    return f"{url}?{urlencode({'tanggal': as_of.isoformat()})}"


class ReaderScopeMixin:
    """Reports read within the reader's wilayah (``villages.scope``): ``self.user_scope``. A
    reader without any wilayah gets, instead of the page or file, a page saying so (403):
    nothing is shown before a Manajer gives them one. Placed after the permission mixin."""

    def dispatch(self, request, *args, **kwargs):
        self.user_scope = scope.of(request.user)
        if self.user_scope.is_empty:
            return render(request, "reports/no_wilayah.html", {"no_wilayah": True}, status=403)
        return super().dispatch(request, *args, **kwargs)


CHART_TITLES = {
    "kecamatan": gettext_lazy("Cakupan desa per kecamatan (%)"),
    "kabupaten": gettext_lazy("Cakupan desa per kabupaten/kota (%)"),
    "provinsi": gettext_lazy("Cakupan desa per provinsi (%)"),
}


class AskedWilayahMixin:
    """``?wilayah=CODE`` read against the reader's scope: ``self.wilayah`` (a
    ``monthly.Wilayah``, or None for everything) and ``self.within`` (what ``reports.coverage``
    reads). A reader of a limited scope gets their wilayah (the union of them, when several) or
    one within it, never a figure outside; an unknown or outside code shows the reader's own
    with a message, so a mistyped link still shows a page. Placed after ``ReaderScopeMixin``."""

    def get(self, request, *args, **kwargs):
        code = request.GET.get("wilayah", "").strip()
        if not self.user_scope.is_everything:
            self.wilayah, refused = monthly.asked_wilayah(self.user_scope, code)
            if refused:
                messages.warning(request, refused)
            if self.wilayah is None:
                self.wilayah = monthly.scope_wilayah(self.user_scope)
                self.within = monthly.scope_within(self.user_scope)
            else:
                self.within = self.wilayah.code
            return super().get(request, *args, **kwargs)
        self.wilayah = monthly.find_wilayah(code) if code else None
        self.within = self.wilayah.code if self.wilayah else ""
        if code and self.wilayah is None:
            messages.warning(
                request,
                _(
                    "Wilayah %(code)s tidak dikenal; ditampilkan semua wilayah. Tulis kode "
                    "kecamatan (mis. 35.07.08), kabupaten/kota (35.07) atau provinsi (35)."
                )
                % {"code": code},
            )
        return super().get(request, *args, **kwargs)

    @staticmethod
    def wilayah_selector(
        everything: coverage.Summary, user_scope: scope.Scope
    ) -> tuple[str, list[tuple[str, str]]]:
        """The selector: the empty choice's label and the choices. With several kabupaten/kota
        (told from the kecamatan codes at hand) each kabupaten/kota, and provinsi when there
        are several (one query); else the kecamatan (no query). A reader of a limited scope:
        only their wilayah (``monthly.scope_choices``), the empty choice their union."""
        if not user_scope.is_everything:
            several = len(user_scope.codes) > 1
            return (
                _("Semua wilayah kerja Anda") if several else "",
                monthly.scope_choices(user_scope),
            )
        if everything.spans_several("kabupaten"):
            return _("Semua wilayah"), monthly.wilayah_choices()
        return _("Semua kecamatan"), [(k.code, k.name) for k in everything.kecamatan]


class DashboardView(
    ViewPermissionMixin, ReaderScopeMixin, AskedWilayahMixin, AsOfMixin, TemplateView
):
    """The headline figures, charts and lists as of a date, of everything or ``?wilayah=CODE``
    (a kecamatan, kabupaten/kota or provinsi): the same definitions either way
    (``coverage.summary(on, within)``). A wilayah of several kabupaten/kota (a provinsi) also
    shows them side by side (``reports.comparison``), sortable."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        within = self.within
        everything = coverage.summary(self.as_of)
        summary = coverage.within_summary(everything, within) if within else everything
        # The x-axis ends at the month asked about: a past date shows the history up to it,
        # with the target it works towards as a labelled line rather than empty months.
        series = coverage.monthly_series(self.as_of, within=within)
        needing_check = coverage.kim_needing_check_first(self.as_of, within)
        without = summary.kecamatan_without_active
        chart_level, bars = self._bars(summary)
        return super().get_context_data(
            wilayah=self.wilayah,
            wilayah_choices=self.wilayah_selector(everything, self.user_scope),
            comparison_table=self._comparison(summary),
            **self._list_queries(),
            summary=summary,
            needing_check=needing_check,
            needing_check_count=needing_check[0].total if needing_check else 0,
            stale_months=settings.KIM_ACTIVITY_STALE_MONTHS,
            levels=[(KIMLevel(level).label, n) for level, n in summary.active_by_level.items()],
            kecamatan_without=without[: settings.KIM_DASHBOARD_LIST_LIMIT],
            kecamatan_without_more=len(without) > settings.KIM_DASHBOARD_LIST_LIMIT,
            chart_title=CHART_TITLES[chart_level],
            line_chart={
                "months": series.months,
                "formed": series.formed,
                "active": series.active,
                "targets": [
                    {"month": f"{t.year}-12", "count": t.kim_count, "year": t.year}
                    for t in summary.targets
                ],
                "goal": (
                    {"year": summary.target.year, "count": summary.target.kim_count}
                    if summary.target
                    else None
                ),
            },
            bar_chart=bars,
            **kwargs,
        )

    def _comparison(self, summary: coverage.Summary) -> dict | None:
        """The kabupaten/kota of a wilayah of several side by side (a provinsi's); None for one
        kabupaten/kota (its kecamatan are in the chart and the kecamatan list) and for several
        provinsi (the country: 35 ms more for its 40,000 KIM needing a check counted per
        kecamatan would take the national dashboard past its 150 ms; the comparison page has
        them, one click away)."""
        if comparison.area_level(summary) != "kabupaten":
            return None
        return comparison_table(
            self.request, comparison.build(self.as_of, self.within, summary=summary)
        )

    def _list_queries(self) -> dict[str, str]:
        """What the links to the lists add to keep the wilayah: the KIM and desa lists take a
        kecamatan (``&kecamatan=``), the kecamatan list a kabupaten/kota or provinsi
        (``&wilayah=``)."""
        wilayah = self.wilayah
        if wilayah is None or not wilayah.code:
            return {"list_query": "", "kecamatan_list_query": ""}
        if wilayah.level == "kecamatan":
            return {
                "list_query": f"&{urlencode({'kecamatan': wilayah.code})}",
                "kecamatan_list_query": "",
            }
        return {
            "list_query": "",
            "kecamatan_list_query": f"&{urlencode({'wilayah': wilayah.code})}",
        }

    def _bars(self, summary) -> tuple[str, list[dict]]:
        """The coverage bars, highest first: one per kecamatan, or per kabupaten or provinsi
        when there are more than ``KIM_DASHBOARD_MAX_BARS`` (each linking to its kecamatan)."""
        query = urlencode({"tanggal": self.as_of.isoformat()})
        level = coverage.chart_level(summary, settings.KIM_DASHBOARD_MAX_BARS)
        if level == "kecamatan":
            url = reverse("villages:kecamatan_detail", args=["__code__"])
            bars = [
                {
                    "name": k.name,
                    "coverage": k.coverage_percent,
                    "url": f"{url.replace('__code__', k.code)}?{query}",
                }
                for k in summary.kecamatan
            ]
        else:
            url = reverse("villages:kecamatan_list")
            bars = [
                {
                    "name": area.name,
                    "coverage": area.coverage_percent,
                    "url": f"{url}?{query}&{urlencode({'wilayah': area.code})}",
                }
                for area in coverage.coverage_by_area(summary, level)
            ]
        return level, sorted(bars, key=lambda bar: (-bar["coverage"], bar["name"]))


class _Numbers:
    """Figures written as ``intcomma`` and ``floatformat:1`` write them in the active language
    (1.234 and 55,1 in Indonesian), the separators read once per table: through Django's
    number formatting each of a province's 380 cells cost 30 µs."""

    def __init__(self):
        self.thousands = get_format("THOUSAND_SEPARATOR")
        self.decimal = get_format("DECIMAL_SEPARATOR")

    def count(self, value: int) -> str:
        return f"{value:,}".replace(",", self.thousands)

    def percent(self, value: float) -> str:
        return f"{value:.1f}".replace(".", self.decimal)


def _cells(row: comparison.AreaRow, numbers: _Numbers) -> list[tuple[str, str]]:
    """A row's figures as shown, each with its cell's classes: "—" for a figure the area does
    not have (no target)."""
    cells = []
    for column in comparison.COLUMNS:
        value = getattr(row, column.key)
        if value is None:
            text = "—"
        elif column.percent:
            text = numbers.percent(value)
        else:
            text = numbers.count(value)
        cells.append((text, column.classes))
    return cells


def comparison_table(request, compared: comparison.Comparison) -> dict:
    """What ``reports/_comparison_table.html`` shows: the rows in the order ``?sort=`` asks,
    each heading with the sort its link asks next (ascending first, then descending) and its
    ``aria-sort``; each area's link one level down (a kabupaten/kota's or provinsi's own
    comparison, a kecamatan's page with its desa) and to its dashboard. A plain template, not
    django-tables2: its per-cell rendering took 75 ms for 38 kabupaten/kota, more than the
    rest of a province's dashboard (docs/performance.md)."""
    order = comparison.sort_rows(compared.rows, request.GET.get("sort"))
    headings = [
        {"key": "name", "label": _("Wilayah"), "classes": ""},
        *({"key": c.key, "label": c.label, "classes": c.classes} for c in comparison.COLUMNS),
    ]
    for heading in headings:
        current = heading["key"] == order.key
        heading["next"] = f"-{order.key}" if current and not order.descending else heading["key"]
        heading["aria_sort"] = (
            ("descending" if order.descending else "ascending") if current else ""
        )
    date = {"tanggal": compared.on.isoformat()}
    numbers = _Numbers()
    kecamatan_url = reverse("villages:kecamatan_detail", args=["__code__"])
    comparison_url, dashboard_url = reverse("reports:comparison"), reverse("dashboard")
    lines = []
    for row in order.rows:
        wilayah = urlencode({**date, "wilayah": row.code})
        down = (
            f"{kecamatan_url.replace('__code__', row.code)}?{urlencode(date)}"
            if row.level == "kecamatan"
            else f"{comparison_url}?{wilayah}"
        )
        lines.append(
            {
                "row": row,
                "down": down,
                "dashboard": f"{dashboard_url}?{wilayah}",
                "cells": _cells(row, numbers),
            }
        )
    return {
        "headings": headings,
        "lines": lines,
        "rows": order.rows,
        "total": compared.total,
        "total_cells": _cells(compared.total, numbers),
    }


class ComparisonView(
    ViewPermissionMixin, ReaderScopeMixin, AskedWilayahMixin, AsOfMixin, TemplateView
):
    """The areas of a wilayah side by side (``reports.comparison``): a provinsi's kabupaten/kota,
    a kabupaten's kecamatan; coverage, KIM active and formed, progress to target and KIM
    needing a check, sortable, as a chart, and as CSV or XLSX (``?format=``) holding the same
    rows and the total. Each area leads one level down, to the desa of a kecamatan."""

    template_name = "reports/comparison.html"
    formats = ("csv", "xlsx")

    def get(self, request, *args, **kwargs):
        self.file_format = offered_format(request.GET.get("format"), self.formats)
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        if self.file_format is None:
            return super().render_to_response(context, **response_kwargs)
        compared, name = context["comparison"], context["wilayah_name"]
        writer = comparison.to_csv if self.file_format == "csv" else comparison.to_xlsx
        return attachment(
            writer(compared, name, is_demo=context["is_demo"]),
            comparison.filename(compared, self.within, self.file_format),
            self.file_format,
        )

    def get_context_data(self, **kwargs):
        compared = comparison.build(self.as_of, self.within)
        wilayah_name = (
            self.wilayah.name if self.wilayah and self.wilayah.name else _("semua wilayah")
        )
        chart = sorted(
            (
                {
                    "name": row.name,
                    "coverage": row.coverage_percent,
                    "target": row.target_percent,
                }
                for row in compared.rows
            ),
            key=lambda bar: (-bar["coverage"], bar["name"]),
        )
        everything = coverage.summary(self.as_of)
        return super().get_context_data(
            wilayah=self.wilayah,
            wilayah_name=wilayah_name,
            wilayah_choices=self.wilayah_selector(everything, self.user_scope),
            comparison=compared,
            is_demo=comparison.has_demo(compared),
            table=comparison_table(self.request, compared),
            chart=chart,
            stale_months=settings.KIM_ACTIVITY_STALE_MONTHS,
            **kwargs,
        )


class FollowUpView(ViewPermissionMixin, ReaderScopeMixin, AsOfMixin, TemplateView):
    """Per kecamatan, the KIM to check and the desa without an active KIM, in bimtek batches;
    printable, and as XLSX with ``?format=xlsx``; within the reader's wilayah (a kecamatan or
    kabupaten/kota outside it: a message and their whole wilayah)."""

    template_name = "reports/followup.html"
    formats = ("xlsx",)

    def get(self, request, *args, **kwargs):
        # One kabupaten: a select of its kecamatan. A province or the country: a select of
        # kabupaten/kota, and no list until one is chosen (the whole country's list is tens of
        # thousands of rows; its XLSX stays available).
        limited = not self.user_scope.is_everything
        self.at_scale = not limited and Kecamatan.objects.too_many_to_list()
        self.chosen = self._chosen_wilayah(request.GET)
        if self.chosen and not self.user_scope.contains(self.chosen):
            messages.warning(request, str(monthly.OUTSIDE_SCOPE) % {"code": self.chosen})
            self.chosen = ""
        within = self.chosen or monthly.scope_within(self.user_scope)
        wants_xlsx = offered_format(request.GET.get("format"), self.formats) == "xlsx"
        self.follow_up = (
            followup.build(self.as_of, within=within)
            if within or wants_xlsx or not self.at_scale
            else None
        )
        if wants_xlsx:
            return attachment(
                followup.to_xlsx(self.follow_up), followup.filename(self.follow_up), "xlsx"
            )
        return super().get(request, *args, **kwargs)

    @staticmethod
    def _chosen_wilayah(params) -> str:
        """The code of the kecamatan (``kecamatan``) or kabupaten/kota or provinsi
        (``wilayah``) asked for, when it exists; else "" (everywhere)."""
        code = params.get("kecamatan", "").strip()
        if code and Kecamatan.objects.filter(code=code).exists():
            return code
        code = params.get("wilayah", "").strip()
        for model in (Kabupaten, Provinsi, Kecamatan):
            if code and model.objects.filter(code=code).exists():
                return code
        return ""

    def get_context_data(self, **kwargs):
        if not self.user_scope.is_everything:
            area = {
                "param": "kecamatan",
                "label": _("Kecamatan"),
                "empty": _("Semua kecamatan wilayah kerja Anda"),
                "choices": Kecamatan.objects.filter(self.user_scope.q("code"))
                .order_by("name")
                .values_list("code", "name"),
            }
        elif self.at_scale:
            area = {
                "param": "wilayah",
                "label": _("Kabupaten/kota"),
                "empty": _("Pilih kabupaten/kota"),
                "choices": [
                    (k.code, k.name_with_provinsi)
                    for k in Kabupaten.objects.select_related("provinsi").order_by("code")
                ],
            }
        else:
            area = {
                "param": "kecamatan",
                "label": _("Kecamatan"),
                "empty": _("Semua kecamatan"),
                "choices": Kecamatan.objects.order_by("name").values_list("code", "name"),
            }
        return super().get_context_data(
            follow_up=self.follow_up, area=area, chosen=self.chosen, **kwargs
        )


class MapView(ViewPermissionMixin, ReaderScopeMixin, AsOfMixin, TemplateView):
    """Kecamatan and desa (those with an imported boundary) coloured by coverage, the
    kabupaten's outline where there is one. Without any boundary it says how to import them
    and shows kecamatan tiles instead: never invented geography. ``?cetak=1`` is the printable
    map: title, date, legends and sources on one A4 page. Only the reader's wilayah."""

    template_name = "reports/map.html"

    def get_context_data(self, **kwargs):
        within = self.user_scope.q("code")
        touching = None if self.user_scope.is_everything else self.user_scope.q_touching("code")
        has_kecamatan = Kecamatan.objects.filter(within, boundary__isnull=False).exists()
        has_desa = Desa.objects.filter(within, boundary__isnull=False).exists()
        context = {
            "has_boundaries": has_kecamatan or has_desa,
            "legend": bands.legend(),
            "band_css": bands.css(),
            "print_view": self.request.GET.get("cetak") == "1",
        }
        if has_kecamatan or has_desa:
            context.update(
                has_kecamatan_boundaries=has_kecamatan,
                has_desa_boundaries=has_desa,
                has_kabupaten_boundaries=coverage.has_kabupaten_boundaries(touching),
                tile_url=settings.KIM_MAP_TILE_URL,
                data_url=_with_date(reverse("reports:map_data"), self.as_of),
                print_url=f"{_with_date(reverse('map'), self.as_of)}&cetak=1",
                screen_url=_with_date(reverse("map"), self.as_of),
            )
            if context["print_view"]:
                context["area_name"] = coverage.mapped_area_name(touching=touching)
        else:
            tiles = coverage.kecamatan_rows(
                self.as_of, Kecamatan.objects.defer(*BOUNDARY_FIELDS).filter(within)
            )
            for k in tiles:
                k.coverage_percent = coverage.coverage_percent(k.desa_covered, k.desa_total)
                k.band_class = bands.band_class(k.coverage_percent)
            context["tiles"] = tiles
        return super().get_context_data(**context, **kwargs)


KECAMATAN_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class MapDataView(ViewPermissionMixin, ReaderScopeMixin, AsOfMixin, View):
    """GeoJSON FeatureCollection of the kecamatan (``?tingkat=desa``: desa) that have a boundary,
    with their coverage figures on the as-of date as properties (a desa: its map category too);
    ``?tingkat=kabupaten``: the kabupaten outlines. ``?kecamatan=CODE`` keeps one kecamatan and
    its desa (the kecamatan page's map). Only the reader's wilayah (the kabupaten outlines:
    those holding it). Sent gzipped to clients that accept it (the desa layer
    of Kabupaten Malang: 658 KB, 121 KB gzipped); text and compressed body kept in the figure
    cache."""

    def get(self, request):
        level = request.GET.get("tingkat")
        if level not in ("desa", "kabupaten"):
            level = "kecamatan"
        within = request.GET.get("kecamatan", "")
        if within and not KECAMATAN_CODE.fullmatch(within):
            return JsonResponse(
                {"error": _("Kode kecamatan tidak dikenal: gunakan kode seperti 35.07.08.")},
                status=400,
            )
        # A limited scope is part of the cache key; the whole country's key stays as it was.
        limited = () if self.user_scope.is_everything else ("+".join(self.user_scope.codes),)
        if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
            # Compressed once per date and generation where the figure cache keeps it: at
            # national scale gzip takes longer than building the text.
            body = figure_cache.cached(
                "map-data-gzip",
                lambda: compress_string(self._collection(level, within).encode()),
                level,
                within,
                self.as_of,
                *limited,
            )
            response = HttpResponse(body, content_type=CONTENT_TYPES["json"])
            response["Content-Encoding"] = "gzip"
        else:
            body = figure_cache.cached(
                "map-data",
                lambda: self._collection(level, within),
                level,
                within,
                self.as_of,
                *limited,
            )
            response = HttpResponse(body, content_type=CONTENT_TYPES["json"])
        patch_vary_headers(response, ["Accept-Encoding"])
        return response

    def _collection(self, level: str, within: str) -> str:
        """The GeoJSON text, written out directly: the figures as plain values and the stored
        boundaries as their text, never parsed and re-encoded (at national scale that took
        over a second for 7,000 kecamatan)."""
        user_scope = self.user_scope
        if level == "kabupaten":
            touching = None if user_scope.is_everything else user_scope.q_touching("code")
            return _feature_collection(
                (geometry, f'{{"code": "{code}", "name": {json.dumps(name)}}}')
                for code, name, geometry in coverage.kabupaten_outlines(touching)
            )
        # One reverse() for all rows: a URL pattern with the code filled in per row. Codes
        # (digits and dots) and these URLs need no JSON escaping; names do.
        url = _with_date(reverse(f"villages:{level}_detail", args=["__code__"]), self.as_of)
        rows = coverage.map_rows(
            self.as_of, level, within=within, scope=monthly.scope_within(user_scope)
        )
        if level == "desa":
            return _feature_collection(
                (
                    geometry,
                    f'{{"code": "{code}", "name": {json.dumps(name)}, '
                    f'"kecamatan": {json.dumps(kecamatan)}, "category": "{category}", '
                    f'"desa_total": 1, "desa_covered": {covered}, "kim_formed": {kim_formed}, '
                    f'"coverage": {100.0 if covered else 0.0}, '
                    f'"url": "{url.replace("__code__", code)}"}}',
                )
                for code, name, kecamatan, kim_formed, covered, category, geometry in rows
            )
        return _feature_collection(
            (
                geometry,
                f'{{"code": "{code}", "name": {json.dumps(name)}, '
                f'"desa_total": {desa_total}, "desa_covered": {desa_covered}, '
                f'"kim_formed": {kim_formed}, "kim_active": {kim_active}, '
                f'"coverage": {coverage.coverage_percent(desa_covered, desa_total)}, '
                f'"url": "{url.replace("__code__", code)}"}}',
            )
            for code, name, desa_total, desa_covered, kim_formed, kim_active, geometry in rows
        )


def _feature_collection(features) -> str:
    """A FeatureCollection's text from ``(geometry text, properties text)`` pairs, joined once
    (each boundary's text copied once): the boundaries are most of the megabytes."""
    pieces = ['{"type": "FeatureCollection", "features": [']
    for geometry, properties in features:
        pieces += ('{"type": "Feature", "geometry": ', geometry, ', "properties": ', properties)
        pieces.append("}, ")
    if pieces[-1] == "}, ":
        pieces[-1] = "}"
    pieces.append("]}")
    return "".join(pieces)
