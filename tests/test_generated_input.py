"""No input gives a server error: every URL pattern of the URLconf (the admin's too), its path
converters filled with generated values and its query string with generated values for the
keys the pages read, requested as an anonymous visitor, Staf, Petugas, Manajer and the
superuser. A refused value is a 4xx with a message, never a 500."""

import functools
import re
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kimtracker.roles import MANAJER, PETUGAS, STAF
from villages.models import KIM

from .conftest import user_with_role
from .factories import UserFactory

ANONYMOUS, SUPERUSER = "anonim", "superuser"
ROLES = [ANONYMOUS, STAF, PETUGAS, MANAJER, SUPERUSER]


def url_patterns(patterns=None, prefix=()):
    """Every leaf pattern of the URLconf with the patterns of the resolvers above it."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, (*prefix, pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            yield (*prefix, pattern.pattern)


def pattern_id(chain) -> str:
    return "".join(str(part) for part in chain) or "/"


PATTERNS = list(url_patterns())

# Values people and probes have typed: dates no calendar has, years out of range, NUL, codes.
NASTY = [
    "",
    "0",
    "-1",
    "99999999999999999999",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "2023-02-30",
    "2023-06",
    "0000-00",
    "0001-01",
    "9999-12",
    "35.07",
    "35.07.08",
    "35.07.08.2001",
    "\x00",
    "%00",
    "<script>",
    "'; DROP TABLE villages_kim; --",
    "../../etc/passwd",
    "a" * 300,
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=20))
digits = st.one_of(
    st.sampled_from(["0", "1", "99999999999999999999", "9" * 40]),
    st.integers(min_value=0, max_value=10**30).map(str),
)
segment = text.filter(lambda value: value and "/" not in value)
dates = st.one_of(
    st.sampled_from(["0001-01-01", "0001-06-30", "0001-12-31", "9999-12-31", "2023-02-29"]),
    st.dates().map(lambda day: day.isoformat()),
)
numbers = st.one_of(st.integers().map(str), st.sampled_from(["1e309", "-0", "1.5", "NaN"]))
codes = st.sampled_from(["35", "35.07", "35.07.08", "35.07.08.2001", "35.07.", "99.99", "."])
formats = st.sampled_from(["csv", "xlsx", "pdf", "json", "tsv", "yaml", "ods", "xls", "latex"])
sortable = st.sampled_from(["name", "desa", "kecamatan", "code", "formed_on", "coverage"])

# The query keys the pages read, each with values of its kind (and any text besides).
QUERY_VALUES = {
    "tanggal": dates,
    "dari": dates,
    "sampai": dates,
    "tahun": numbers,
    "page": numbers,
    "per_page": numbers,
    "kecamatan": codes,
    "wilayah": codes,
    "desa": codes,
    "kabupaten": codes,
    "_export": formats,
    "format": formats,
    "sort": st.one_of(sortable, sortable.map(lambda name: f"-{name}")),
    "q": text,
    "tingkat": st.sampled_from(["pemula", "berkembang", "mandiri", "desa", "kecamatan"]),
    "aktif": st.sampled_from(["ya", "tidak"]),
    "tercakup": st.sampled_from(["ya", "tidak"]),
    "perlu_verifikasi": st.sampled_from(["ya", "tidak"]),
    "kind": st.sampled_from(["desa", "kelurahan"]),
    "jenis": st.sampled_from(["+", "~", "-"]),
    "next": st.sampled_from(["/", "//evil.example", "https://evil.example/"]),
}
query = st.sets(st.sampled_from(sorted(QUERY_VALUES)), max_size=6).flatmap(
    lambda keys: st.fixed_dictionaries(
        {key: st.one_of(QUERY_VALUES[key], text) for key in sorted(keys)}
    )
)

ROUTE_PART = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def path_strategy(part, pks):
    """Generated text matching one pattern of the chain (already URL-quoted); ``pks`` are
    ids of rows that exist, so that an ``int`` segment reaches a real object too."""
    if isinstance(part, RoutePattern):
        route = str(part)
        pieces = []
        position = 0
        for match in ROUTE_PART.finditer(route):
            pieces.append(st.just(route[position : match.start()]))
            converter = match["converter"] or "str"
            if converter == "int":
                pieces.append(st.one_of(st.sampled_from(pks), digits))
            elif converter == "path":
                pieces.append(text.filter(bool).map(lambda v: quote(v, safe="/")))
            else:
                pieces.append(segment.map(lambda v: quote(v, safe="")))
            position = match.end()
        pieces.append(st.just(route[position:]))
        return st.tuples(*pieces).map("".join)
    assert isinstance(part, RegexPattern), part
    regex = part.regex.pattern.removeprefix("^").removesuffix("$")
    return (
        st.from_regex(f"^{regex}$", fullmatch=True)
        .filter(lambda v: "\n" not in v and "?" not in v and "#" not in v)
        .map(lambda v: quote(v, safe="/"))
    )


@functools.cache
def url_strategy(chain, pks):
    """Generated URLs of the pattern ``chain`` (made once per chain: validating a strategy
    costs more than drawing from it)."""
    parts = st.tuples(*(path_strategy(part, list(pks)) for part in chain))
    return parts.map(lambda parts: "/" + "".join(parts))


@pytest.fixture
def login(demo):
    """Logs a client in as one of ``ROLES`` (the anonymous visitor stays logged out)."""
    users = {
        STAF: user_with_role("staf", STAF),
        PETUGAS: user_with_role("petugas", PETUGAS),
        MANAJER: user_with_role("manajer", MANAJER),
        SUPERUSER: UserFactory(username="admin", is_staff=True, is_superuser=True),
    }

    def login(client, role):
        if role in users:
            client.force_login(users[role])

    return login


GENERATED = hypothesis_settings(
    max_examples=2,
    deadline=None,
    # An example is a walk through every pattern: shrinking one would repeat the walk hundreds
    # of times; the assertion names the role, method, URL and query instead.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    # One database (the demo data) for all examples: the requests change little in it, and
    # what they change (a refused POST changes nothing) is input for the next ones too.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.mark.parametrize("role", ROLES)
@GENERATED
@given(data=st.data())
def test_no_input_gives_a_server_error(login, role, data):
    pks = tuple(str(pk) for pk in KIM.objects.order_by("pk").values_list("pk", flat=True)[:3])
    client = Client()
    login(client, role)
    for chain in PATTERNS:
        url = data.draw(url_strategy(chain, pks), label=pattern_id(chain))
        params = data.draw(query, label="query")
        if data.draw(st.booleans(), label="post"):
            response = client.post(url, params)
        else:
            response = client.get(f"{url}?{urlencode(params)}" if params else url)
        assert response.status_code < 500, (role, response.request["REQUEST_METHOD"], url, params)
        if role != ANONYMOUS and not client.cookies[settings.SESSION_COOKIE_NAME].value:
            login(client, role)  # a log-out page was among them


# What the probe of the running app reported as 500s (issue 13, finding 4), and their kin.
PROBES = [
    "/?tanggal=0001-01-01",
    "/?tanggal=0001-06-30",
    "/tindak-lanjut/?tanggal=0001-01-01",
    "/tindak-lanjut/?tanggal=0001-03-31&format=xlsx",
    "/kim/{pk}/?tanggal=0001-01-01",
    "/kim/?tanggal=0001-02-01&perlu_verifikasi=ya",
    "/kim/?tahun=0",
    "/kim/?tahun=-1",
    "/kim/?tahun=99999999999999999999",
    "/kim/?tahun=1e309&_export=csv",
    "/desa/%00/",
    "/kecamatan/%00/",
    "/kim/?per_page=0",
    "/desa/?per_page=-16447&page=-1",
    "/audit/?per_page=0&_export=csv",
    "/laporan/bulanan/0000-01/",
    "/admin/villages/kim/abc/history/",
    "/admin/villages/kim/{pk}/history/abc/",
    "/admin/reports/target/2023/history/",
]


@pytest.mark.parametrize("role", ROLES)
def test_probed_inputs_get_no_server_error(login, role):
    client = Client(raise_request_exception=False)
    login(client, role)
    pk = KIM.objects.order_by("pk").values_list("pk", flat=True).first()
    for probe in PROBES:
        url = probe.format(pk=pk)
        assert client.get(url).status_code < 500, (role, url)
    # An admin form refused with a posted id that cannot be one (autocomplete fields).
    for url, field in (
        ("/admin/villages/kim/add/", "desa"),
        ("/admin/villages/userwilayah/add/", "user"),
        ("/admin/villages/kimstatuschange/add/", "kim"),
    ):
        response = client.post(url, {field: "35.07.08"})
        assert response.status_code < 500, (role, url)


def test_refused_inputs_say_why(login):
    client = Client()
    login(client, STAF)
    response = client.get("/kim/?tahun=0")
    assert response.status_code == 200
    assert "Tahun harus bilangan bulat antara 1 dan 9999." in response.content.decode()
    response = client.get("/desa/%00/")
    assert response.status_code == 400
    assert "karakter yang tidak sah (NUL)" in response.content.decode()
    response = client.get("/?tanggal=0001-01-01")
    assert response.status_code == 200


def test_page_size_stays_within_bounds(login):
    """``?per_page=`` (django-tables2) is honoured between 1 and ``MAX_PER_PAGE`` rows."""
    client = Client()
    login(client, STAF)
    for per_page, rows in (("2", 2), ("0", 1), ("-16447", 1), (str(10**6), 390)):
        html = client.get("/desa/", {"per_page": per_page}).content.decode()
        assert html.count('<tr class="') == rows, per_page
