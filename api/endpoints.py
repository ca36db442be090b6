"""The read API, /api/v1/ (django-ninja): the wilayah tree, coverage figures as of a date,
KIM and their activities, targets and the monthly report, each limited to what the token's
user may read: their role (the same permissions as the pages) and their wilayah
(``villages.scope``). Figures come from ``reports.coverage`` and ``reports.monthly``, the
definitions the dashboard and the reports use, so every number equals the page's."""

import datetime

from django.db.models import CharField, F, Q, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.pagination import PageNumberPagination, paginate

from kimtracker import roles
from kimtracker.asof import AsOfForm
from reports import comparison, coverage, monthly, publishing
from reports.models import Target
from villages import scope
from villages.choices import KIMLevel
from villages.fields import OFFICER_FIELDS
from villages.models import KIM, Desa, Kabupaten, Kecamatan, KIMActivity, Provinsi

from . import schemas
from .auth import TokenAuth, TokenRateThrottle

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

api = NinjaAPI(
    title="KIM Tracker API",
    version="1",
    description=(
        "Read API of KIM Tracker: the wilayah tree, coverage figures as of a date, KIM, their "
        "activities, targets and the monthly report. Send a personal access token (made on "
        "the account page, /akun/token/) as `Authorization: Bearer <token>`. Every answer is "
        "limited to what the token's user may read: their role and their wilayah."
    ),
    auth=TokenAuth(),
    throttle=TokenRateThrottle(),
    urls_namespace="api",
    # The documentation is served by api.urls at /api/docs/; the schema stays here.
    docs_url=None,
    openapi_url="/openapi.json",
)

REFUSALS = {
    401: schemas.Error,
    403: schemas.Error,
    404: schemas.Error,
    429: schemas.Error,
}


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    response = api.create_response(
        request,
        {
            "detail": _(
                "Token tidak ada, tidak dikenal atau sudah dicabut. Kirim token akses pribadi "
                "sebagai 'Authorization: Bearer <token>'."
            )
        },
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="kim-tracker"'
    return response


@api.exception_handler(Throttled)
def _throttled(request, exc):
    return api.create_response(
        request,
        {"detail": _("Terlalu banyak permintaan dengan token ini; coba lagi sebentar lagi.")},
        status=429,
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("Tidak ditemukan.")}, status=404)


# --- What the token's user may read -----------------------------------------------------------


def _require(request, perm: str) -> None:
    """403 unless the token's user holds ``perm`` (the permission of the matching page) and
    works within some wilayah: as on the pages, a user without any is shown nothing."""
    if not request.user.has_perm(perm):
        raise HttpError(403, _("Peran akun token ini tidak boleh membaca data ini."))
    if _scope(request).is_empty:
        raise HttpError(403, _("Akun token ini belum diberi wilayah kerja."))


def _scope(request) -> scope.Scope:
    return scope.of(request.user)


def _as_of(tanggal: str | None) -> datetime.date:
    """The date asked (``YYYY-MM-DD``, not in the future), default today; 400 otherwise."""
    form = AsOfForm({"tanggal": tanggal or ""})
    if not form.is_valid():
        errors = " ".join(e for errors in form.errors.values() for e in errors)
        raise HttpError(400, _("Tanggal tidak dapat dipakai: %(errors)s") % {"errors": errors})
    return form.cleaned_data["tanggal"] or timezone.localdate()


def _wilayah(request, code: str) -> monthly.Wilayah:
    """The provinsi, kabupaten/kota or kecamatan ``code``: 404 when unknown, 403 when outside
    the wilayah of the token's user."""
    code = code.strip()
    found = monthly.find_wilayah(code)
    if found is None:
        raise HttpError(
            404,
            _(
                "Wilayah %(code)s tidak dikenal; tulis kode kecamatan (mis. 35.07.08), "
                "kabupaten/kota (35.07) atau provinsi (35)."
            )
            % {"code": code},
        )
    if not _scope(request).contains(code):
        raise HttpError(
            403, _("Wilayah %(code)s di luar wilayah kerja akun token ini.") % {"code": code}
        )
    return found


def scoped_summary(on: datetime.date, within_scope: scope.Scope) -> coverage.Summary:
    """The dashboard's figures of everything ``within_scope`` holds: ``coverage.summary`` of
    the one wilayah of a scope of one (the dashboard's ``?wilayah=``), else its kecamatan rows
    added up the way ``coverage.within_summary`` adds them (targets only for everything)."""
    everything = coverage.summary(on)
    if within_scope.is_everything:
        return everything
    if len(within_scope.codes) == 1:
        return coverage.within_summary(everything, within_scope.codes[0])
    rows = [k for k in everything.kecamatan if within_scope.contains(k.code)]
    if len(rows) == len(everything.kecamatan):
        return everything
    levels = dict.fromkeys(KIMLevel.values, 0)
    for row in rows:
        for level, n in row.active_by_level.items():
            levels[level] += n
    return coverage.Summary(on=everything.on, kecamatan=rows, active_by_level=levels, targets=[])


# --- Endpoints ------------------------------------------------------------------------------


@api.get(
    "/wilayah/",
    response={200: list[schemas.WilayahOut], **REFUSALS},
    url_name="wilayah",
    summary="Wilayah tree, one level at a time",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def wilayah(request, parent: str = ""):
    """The provinsi (no `parent`), the kabupaten/kota of a provinsi, the kecamatan of a
    kabupaten/kota or the desa of a kecamatan (`parent=CODE`) that hold something within the
    token's wilayah, by code."""
    _require(request, roles.PERM_VIEW)
    within = _scope(request)
    parent = parent.strip()
    if not parent:
        rows = Provinsi.objects.filter(within.q_touching("code")).annotate(
            level=Value("provinsi"), parent=Value(None, output_field=CharField())
        )
    else:
        level = {2: "kabupaten", 5: "kecamatan", 8: "desa"}.get(len(parent))
        if level is None or monthly.find_wilayah(parent) is None:
            raise HttpError(404, _("Wilayah %(code)s tidak dikenal.") % {"code": parent})
        if not within.touches(parent):
            raise HttpError(
                403,
                _("Wilayah %(code)s di luar wilayah kerja akun token ini.") % {"code": parent},
            )
        if level == "kabupaten":
            rows = Kabupaten.objects.filter(provinsi__code=parent).filter(within.q_touching("code"))
            parent_field = F("provinsi__code")
        elif level == "kecamatan":
            rows = Kecamatan.objects.filter(kabupaten__code=parent).filter(within.q("code"))
            parent_field = F("kabupaten__code")
        else:
            rows = Desa.objects.filter(kecamatan__code=parent).filter(within.q("code"))
            parent_field = F("kecamatan__code")
        rows = rows.annotate(level=Value(level), parent=parent_field)
    return rows.order_by("code").values("code", "name", "level", "parent")


@api.get(
    "/coverage/",
    response={200: schemas.CoverageOut, 400: schemas.Error, **REFUSALS},
    url_name="coverage",
    summary="Coverage figures as of a date",
)
def coverage_figures(request, wilayah: str = "", tanggal: str | None = None):
    """The dashboard's figures of `wilayah` (a kecamatan, kabupaten/kota or provinsi code
    within the token's wilayah; default all of the token's wilayah) as of `tanggal`
    (YYYY-MM-DD, default today), with a row per kecamatan."""
    _require(request, roles.PERM_VIEW)
    on = _as_of(tanggal)
    if wilayah.strip():
        code = _wilayah(request, wilayah).code
        summary = coverage.within_summary(coverage.summary(on), code)
    else:
        code = ""
        summary = scoped_summary(on, _scope(request))
    target = summary.target
    return {
        "tanggal": summary.on,
        "wilayah": code,
        "kim_formed": summary.kim_formed,
        "kim_active": summary.kim_active,
        "desa_total": summary.desa_total,
        "desa_covered": summary.desa_covered,
        "coverage_percent": summary.coverage_percent,
        "kecamatan_total": summary.kecamatan_total,
        "kecamatan_without_active_kim": summary.kecamatan_without_active_kim,
        "kim_mandiri": summary.kim_mandiri,
        "active_by_level": summary.active_by_level,
        "target": (
            {
                "year": target.year,
                "kim_count": target.kim_count,
                "missing": summary.target_missing,
            }
            if target
            else None
        ),
        "kecamatan": [
            {
                "code": k.code,
                "name": k.name,
                "desa_total": k.desa_total,
                "desa_covered": k.desa_covered,
                "coverage_percent": k.coverage_percent,
                "kim_formed": k.kim_formed,
                "kim_active": k.kim_active,
                "active_by_level": k.active_by_level,
            }
            for k in summary.kecamatan
        ],
    }


def _kim_rows(request, on: datetime.date):
    """KIM formed by ``on`` within the token's wilayah, with their status on that day and the
    desa and kecamatan every answer names."""
    return (
        KIM.objects.within(_scope(request))
        .formed_by(on)
        .with_status_on(on)
        .for_table()
        .order_by("desa__code", "name", "pk")
    )


def _kim_out(kim: KIM, personal: bool) -> dict:
    return {
        "id": kim.pk,
        "name": kim.name,
        "desa_code": kim.desa.code,
        "desa": kim.desa.name,
        "kecamatan_code": kim.desa.kecamatan.code,
        "kecamatan": kim.desa.kecamatan.name,
        "formed_on": kim.formed_on,
        "level": kim.level_on,
        "active": kim.active_on,
        "sk_number": kim.sk_number,
        "sk_date": kim.sk_date,
        "sk_issuer": kim.sk_issuer,
        "member_count": kim.member_count,
        "address": kim.address,
        "email": kim.email,
        "website": kim.website,
        "facebook": kim.facebook,
        "instagram": kim.instagram,
        "youtube": kim.youtube,
        "is_demo": kim.is_demo,
        "officers": {name: getattr(kim, name) for name in OFFICER_FIELDS} if personal else None,
    }


class KIMPagination(PageNumberPagination):
    """Page numbers over KIM rows, each shaped by ``_kim_out`` (officers only for a user who
    may see personal data): one query for the page, one for the count."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        personal = request.user.has_perm(roles.PERM_PERSONAL)
        page[self.items_attribute] = [_kim_out(kim, personal) for kim in page[self.items_attribute]]
        return page


def _comparison_row(row: comparison.AreaRow) -> dict:
    target = row.summary.target
    return {
        "code": row.code,
        "name": row.name,
        "desa_total": row.desa_total,
        "desa_covered": row.desa_covered,
        "coverage_percent": row.coverage_percent,
        "kim_formed": row.kim_formed,
        "kim_active": row.kim_active,
        "kim_needing_check": row.kim_needing_check,
        "target": (
            {
                "year": target.year,
                "kim_count": target.kim_count,
                "missing": row.target_missing,
                "percent": row.target_percent,
            }
            if target
            else None
        ),
    }


@api.get(
    "/perbandingan/",
    response={200: schemas.ComparisonOut, 400: schemas.Error, **REFUSALS},
    url_name="comparison",
    summary="Wilayah side by side as of a date",
)
def wilayah_comparison(request, wilayah: str = "", tanggal: str | None = None):
    """The areas of `wilayah` side by side, as on the comparison page (/laporan/perbandingan/):
    a provinsi's kabupaten/kota, a kabupaten/kota's kecamatan (the country's provinsi), each
    with its coverage, KIM formed, active and needing a check, and its own target; with the
    total. `wilayah` within the token's wilayah (default all of it); `tanggal` YYYY-MM-DD,
    default today."""
    _require(request, roles.PERM_VIEW)
    on = _as_of(tanggal)
    code = _wilayah(request, wilayah).code if wilayah.strip() else ""
    within = code or monthly.scope_within(_scope(request))
    compared = comparison.build(on, within)
    return {
        "tanggal": on,
        "wilayah": code,
        "level": compared.level,
        "areas": [_comparison_row(row) for row in compared.rows],
        "total": _comparison_row(compared.total),
    }


@api.get(
    "/kim/",
    response={200: list[schemas.KIMOut], 400: schemas.Error, **REFUSALS},
    url_name="kim_list",
    summary="KIM",
)
@paginate(KIMPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def kim_list(request, wilayah: str = "", aktif: bool | None = None, tanggal: str | None = None):
    """KIM formed by `tanggal` (default today) within the token's wilayah, or within
    `wilayah`; `aktif=true`/`false`: only those active / not active on that date. Officers'
    names and phones only for tokens whose user may see personal data."""
    _require(request, roles.PERM_VIEW)
    on = _as_of(tanggal)
    rows = _kim_rows(request, on)
    if wilayah.strip():
        code = _wilayah(request, wilayah).code
        rows = rows.filter(Q(desa__code__startswith=f"{code}."))
    if aktif is not None:
        rows = rows.filter(active_on=aktif)
    return rows


def _kim(request, pk: int, on: datetime.date) -> KIM:
    kim = _kim_rows(request, on).filter(pk=pk).first()
    if kim is None:
        raise Http404(_("KIM %(pk)s tidak ada di wilayah kerja akun token ini.") % {"pk": pk})
    return kim


@api.get(
    "/kim/{int:pk}/",
    response={200: schemas.KIMOut, 400: schemas.Error, **REFUSALS},
    url_name="kim_detail",
    summary="One KIM",
)
def kim_detail(request, pk: int, tanggal: str | None = None):
    """One KIM within the token's wilayah, with its status on `tanggal` (default today)."""
    _require(request, roles.PERM_VIEW)
    kim = _kim(request, pk, _as_of(tanggal))
    return _kim_out(kim, request.user.has_perm(roles.PERM_PERSONAL))


@api.get(
    "/kim/{int:pk}/kegiatan/",
    response={200: list[schemas.ActivityOut], **REFUSALS},
    url_name="kim_activities",
    summary="Activities of one KIM",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def kim_activities(request, pk: int):
    """The recorded activities of a KIM within the token's wilayah, latest first."""
    _require(request, roles.PERM_VIEW)
    kim = _kim(request, pk, timezone.localdate())
    return KIMActivity.objects.filter(kim=kim).order_by("-occurred_on", "-id")


def _target_wilayah(target: Target) -> str:
    """The wilayah code of ``target``: a kabupaten/kota or provinsi, "" for the whole
    database (and for every target before targets per wilayah)."""
    return getattr(target, "wilayah_code", "") or ""


@api.get(
    "/target/",
    response={200: list[schemas.TargetOut], **REFUSALS},
    url_name="targets",
    summary="Yearly targets",
)
def targets(request):
    """The yearly targets (number of KIM by the end of the year) of the whole database
    (`wilayah` empty) and of the kabupaten/kota and provinsi that hold something within the
    token's wilayah, by wilayah and year."""
    _require(request, "reports.view_target")
    within = _scope(request)
    rows = [
        {"year": t.year, "kim_count": t.kim_count, "note": t.note, "wilayah": _target_wilayah(t)}
        for t in Target.objects.all()
    ]
    rows = [row for row in rows if not row["wilayah"] or within.touches(row["wilayah"])]
    return sorted(rows, key=lambda row: (row["wilayah"], row["year"]))


@api.get(
    "/laporan/{month}/",
    response={200: schemas.MonthlyReportOut, 400: schemas.Error, **REFUSALS},
    url_name="monthly_report",
    summary="Monthly report",
)
def monthly_report(request, month: str, wilayah: str = ""):
    """The monthly report of `month` (YYYY-MM) for `wilayah` (default the token's one
    wilayah): every figure and list of the report page, as its publication keeps them."""
    _require(request, roles.PERM_REPORTS)
    within = _scope(request)
    try:
        first_day = monthly.parse_month(month)
        if wilayah.strip():
            area = _wilayah(request, wilayah)
        elif within.is_everything:
            area = monthly.resolve_wilayah(None)
        elif len(within.codes) == 1:
            area = monthly.resolve_wilayah(within.codes[0])
        else:
            raise HttpError(
                400,
                _("Pilih wilayah laporan (?wilayah=): salah satu dari %(codes)s.")
                % {"codes": ", ".join(within.codes)},
            )
    except monthly.MonthError as error:
        raise HttpError(400, str(error)) from error
    return publishing.snapshot(monthly.build(first_day, area))
