"""The dashboard and the map as staff use them: figures as of a date, charts' data, queries."""

import json
import re

import pytest
from django.urls import reverse

from villages.models import Kecamatan

from ..conftest import limit_to
from ..pages import number, text_of

MID_2023, SEPT_2025 = "2023-06-25", "2025-09-24"


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def chart_data(html, element_id):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))


def test_pages_need_a_login(client, db):
    for name in ("dashboard", "map", "reports:map_data"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_dashboard_mid_2023(staff_client, demo):
    html = get(staff_client, reverse("dashboard"), tanggal=MID_2023)
    assert number(text_of(html, 'data-card="kim-formed"')) == 215
    assert number(text_of(html, 'data-card="kim-active"')) == 215
    assert number(text_of(html, 'data-card="desa-covered"')) == 215
    assert "55,1%" in html
    assert number(text_of(html, 'data-card="kecamatan-without"')) == 3
    assert number(text_of(html, 'data-card="kim-mandiri"')) == 1
    assert number(text_of(html, 'data-card="target"')) == 240
    assert "kurang 25 KIM" in html
    assert "Target akhir 2023" in html
    without = html[html.index("data-kecamatan-without") :]
    without = without[: without.index("</table>")]
    assert re.findall(r">(Wajak|Kasembon|Kalipare)</a>", without) == [
        "Wajak",
        "Kalipare",
        "Kasembon",
    ]
    assert ">13</a>" in without  # Wajak's 13 desa
    assert "Per tanggal 25 Juni 2023" in html


def test_dashboard_september_2025(staff_client, demo):
    html = get(staff_client, reverse("dashboard"), tanggal=SEPT_2025)
    assert number(text_of(html, 'data-card="kim-formed"')) == 250
    assert number(text_of(html, 'data-card="kim-active"')) == 75
    assert "Target akhir 2026" in html
    assert number(text_of(html, 'data-card="target"')) == 390


def test_dashboard_chart_data(staff_client, demo):
    html = get(staff_client, reverse("dashboard"), tanggal=MID_2023)
    line = chart_data(html, "line-chart-data")
    i = line["months"].index("2023-06")
    assert (line["formed"][i], line["active"][i]) == (215, 215)
    # The x-axis ends at the month asked about; the year's target is the labelled goal.
    assert line["months"][-1] == "2023-06"
    assert line["formed"][-1] == 215
    assert {"month": "2023-12", "count": 240, "year": 2023} in line["targets"]
    assert line["goal"] == {"year": 2023, "count": 240}
    bars = chart_data(html, "bar-chart-data")
    assert len(bars) == 33
    assert [b["coverage"] for b in bars] == sorted((b["coverage"] for b in bars), reverse=True)
    assert {b["name"] for b in bars[-3:]} == {"Wajak", "Kasembon", "Kalipare"}
    wajak = next(b for b in bars if b["name"] == "Wajak")
    assert wajak["url"] == "/kecamatan/35.07.08/?tanggal=2023-06-25"


def test_dashboard_without_data_or_target(staff_client, malang):
    html = get(staff_client, reverse("dashboard"))
    assert number(text_of(html, 'data-card="kim-formed"')) == 0
    assert "Belum ada target" in html


def test_bad_or_future_date_falls_back_to_today_with_a_message(staff_client, demo):
    html = get(staff_client, reverse("dashboard"), tanggal="25-06-2023x")
    assert "Tanggal tidak dapat dipakai" in html
    assert "Per hari ini" in html
    html = get(staff_client, reverse("dashboard"), tanggal="2999-01-01")
    assert "tidak boleh di masa depan" in html


def square(lon, lat, size=0.05):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_map_without_boundaries_shows_tiles_and_how_to_import(staff_client, demo):
    html = get(staff_client, reverse("map"), tanggal=MID_2023)
    assert "data-no-boundaries" in html
    assert "import_boundaries" in html
    assert "coverage-map" not in html
    assert len(re.findall(r'class="coverage-tile band-\d"', html)) == 33
    # Wajak had no active KIM on that date: the lowest band.
    assert (
        'class="coverage-tile band-0" href="/kecamatan/35.07.08/?tanggal=2023-06-25" '
        'data-code="35.07.08"' in html
    )
    assert ".band-0 { background-color: #d73027; }" in html


def test_map_with_boundaries(staff_client, demo):
    Kecamatan.objects.filter(code="35.07.08").update(boundary=square(112.7, -8.1))
    Kecamatan.objects.filter(code="35.07.07").update(boundary=square(112.8, -8.0))
    html = get(staff_client, reverse("map"), tanggal=MID_2023)
    assert 'id="coverage-map"' in html
    assert "map-legend-data" in html
    data = json.loads(get(staff_client, reverse("reports:map_data"), tanggal=MID_2023))
    features = {f["properties"]["code"]: f for f in data["features"]}
    assert set(features) == {"35.07.07", "35.07.08"}
    wajak = features["35.07.08"]["properties"]
    assert (wajak["name"], wajak["desa_covered"], wajak["desa_total"], wajak["coverage"]) == (
        "Wajak",
        0,
        13,
        0.0,
    )
    assert wajak["url"] == "/kecamatan/35.07.08/?tanggal=2023-06-25"
    assert features["35.07.07"]["geometry"] == square(112.8, -8.0)
    # Desa layer: only desa with an imported boundary.
    from villages.models import Desa

    Desa.objects.filter(code="35.07.07.2016").update(boundary=square(112.8, -8.0, 0.01))
    data = json.loads(
        get(staff_client, reverse("reports:map_data"), tanggal=MID_2023, tingkat="desa")
    )
    (feature,) = data["features"]
    assert feature["properties"]["name"] == "Gubugklakah"
    assert feature["properties"]["desa_covered"] == 1


@pytest.fixture
def second_province(demo):
    """A second province with one kabupaten, kecamatan and desa (no KIM), next to Malang."""
    from villages.models import Desa, Kabupaten, Provinsi

    provinsi = Provinsi.objects.create(code="36", name="BANTEN")
    kabupaten = Kabupaten.objects.create(
        code="36.01", name="KABUPATEN PANDEGLANG", provinsi=provinsi
    )
    kecamatan = Kecamatan.objects.create(code="36.01.01", name="Sumur", kabupaten=kabupaten)
    Desa.objects.create(code="36.01.01.2001", name="Tamanjaya", kecamatan=kecamatan, kind="desa")


@pytest.mark.parametrize(
    ("max_bars", "title", "expected"),
    [
        (
            2,
            "Cakupan desa per kabupaten/kota (%)",
            {"Kabupaten Malang": ("35.07", 215, 390), "KABUPATEN PANDEGLANG": ("36.01", 0, 1)},
        ),
        (
            1,
            "Cakupan desa per provinsi (%)",
            {"Jawa Timur": ("35", 215, 390), "BANTEN": ("36", 0, 1)},
        ),
    ],
)
def test_dashboard_chart_by_kabupaten_or_provinsi_beyond_max_bars(
    staff_client, second_province, settings, max_bars, title, expected
):
    """A provincial or national deployment: more kecamatan than bars, so one bar per kabupaten
    (or provinsi), adding up the same figures, each linking to its kecamatan."""
    settings.KIM_DASHBOARD_MAX_BARS = max_bars
    html = get(staff_client, reverse("dashboard"), tanggal=MID_2023)
    assert f"data-chart-title>{title}</h2>" in html
    bars = {bar["name"]: bar for bar in chart_data(html, "bar-chart-data")}
    assert set(bars) == set(expected)
    for name, (code, covered, total) in expected.items():
        assert bars[name]["coverage"] == round(100 * covered / total, 1)
        assert bars[name]["url"] == f"/kecamatan/?tanggal={MID_2023}&wilayah={code}"
        listed = staff_client.get(bars[name]["url"]).context["table"].paginator.count
        assert listed == Kecamatan.objects.filter(code__startswith=f"{code}.").count()
    assert list(bars) == sorted(bars, key=lambda name: -bars[name]["coverage"])


def test_dashboard_lists_the_first_kecamatan_without_a_kim_and_links_to_all(
    staff_client, demo, settings
):
    settings.KIM_DASHBOARD_LIST_LIMIT = 2
    html = get(staff_client, reverse("dashboard"), tanggal="2016-01-01")
    assert number(text_of(html, 'data-card="kecamatan-without"')) == 33
    without = html[html.index("data-kecamatan-without") :]
    assert without[: without.index("</table>")].count("<tr>") == 3  # header and two rows
    link = re.search(r'href="([^"]+)" data-kecamatan-without-all>Lihat semua \(33\)', html)
    assert link
    response = staff_client.get(link.group(1).replace("&amp;", "&"))
    assert response.context["table"].paginator.count == 33


def test_kecamatan_list_filters_by_wilayah_and_active_kim(staff_client, demo):
    def listed(**params):
        response = staff_client.get(reverse("villages:kecamatan_list"), params)
        return [row.record.name for row in response.context["table"].paginator.object_list]

    assert len(listed(wilayah="35.07")) == 33
    assert len(listed(wilayah="35")) == 33
    assert listed(wilayah="35.08") == []
    assert sorted(listed(tanggal=MID_2023, aktif="tidak")) == ["Kalipare", "Kasembon", "Wajak"]
    assert len(listed(tanggal=MID_2023, aktif="ya")) == 30


# The map for daily work (issue 14, point 5): desa categories, the kecamatan page's map, the
# desa page's "Daftarkan KIM", the printable map, compressed data, a desa-only import.


def map_features(client, **params):
    data = json.loads(get(client, reverse("reports:map_data"), **params))
    return {f["properties"]["code"]: f["properties"] for f in data["features"]}


def test_desa_categories_are_the_figures_definitions(
    staff_client, demo, django_assert_max_num_queries
):
    """Each desa's map category is the dashboard's own reading: "perlu verifikasi" where one of
    its KIM is in ``KIM.objects.needing_check``, "none" where it is among the desa without an
    active KIM (the follow-up list), "active" otherwise."""
    import datetime

    from reports import coverage
    from villages.models import KIM, Desa

    Desa.objects.update(boundary=square(112.6, -8.1, 0.01))
    on = datetime.date(2024, 6, 30)
    with django_assert_max_num_queries(6):  # 5, and the reader's wilayah (villages.scope)
        features = map_features(staff_client, tanggal=on.isoformat(), tingkat="desa")
    assert len(features) == 390
    by_category = {"active": set(), "check": set(), "none": set()}
    for code, properties in features.items():
        by_category[properties["category"]].add(code)
    check = set(KIM.objects.needing_check(on).values_list("desa__code", flat=True))
    none = {line.code for line in coverage.desa_without_active_kim(on)}
    assert check, "each category is drawn"
    assert none
    assert by_category["active"]
    assert by_category["check"] == check
    assert by_category["none"] == none
    assert by_category["active"] == set(features) - check - none
    wajak_desa = features["35.07.08.2001"]
    assert wajak_desa["kecamatan"] == "Wajak"
    assert wajak_desa["url"] == "/desa/35.07.08.2001/?tanggal=2024-06-30"
    # The legend on the map page names the three categories.
    html = get(staff_client, reverse("map"), tanggal=on.isoformat())
    legend = html[html.index('data-legend="desa"') :]
    for category in ("active", "check", "none"):
        assert f'data-category="{category}"' in legend[: legend.index("</div>\n  \n</div>")]


def test_map_data_is_sent_gzipped(staff_client, demo):
    import gzip

    from villages.models import Desa

    Desa.objects.update(boundary=square(112.6, -8.1, 0.01))
    url = reverse("reports:map_data")
    params = {"tanggal": MID_2023, "tingkat": "desa"}
    zipped = staff_client.get(url, params, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    plain = staff_client.get(url, params)
    assert not plain.has_header("Content-Encoding")
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 5
    assert len(json.loads(plain.content)["features"]) == 390
    # The map page itself is not compressed by it (only the data endpoints are).
    page = staff_client.get(reverse("map"), HTTP_ACCEPT_ENCODING="gzip")
    assert not page.has_header("Content-Encoding")


def test_compressed_map_data_is_kept_in_the_figure_cache(staff_client, demo, settings, monkeypatch):
    """Where the figure cache keeps figures (Redis in a deployment), the gzipped layer is built
    and compressed once per date and generation: at national scale compressing takes longer
    than building the text."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kimtracker import figure_cache
    from reports import views
    from villages.models import Desa

    settings.CACHES = {
        **settings.CACHES,
        figure_cache.CACHE_ALIAS: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    caches[figure_cache.CACHE_ALIAS].clear()
    compressed = []
    compress = views.compress_string
    monkeypatch.setattr(
        views, "compress_string", lambda text: compressed.append(1) or compress(text)
    )
    Desa.objects.update(boundary=square(112.6, -8.1, 0.01))
    url, params = reverse("reports:map_data"), {"tanggal": MID_2023, "tingkat": "desa"}
    first = staff_client.get(url, params, HTTP_ACCEPT_ENCODING="gzip")
    with CaptureQueriesContext(connection) as second_queries:
        second = staff_client.get(url, params, HTTP_ACCEPT_ENCODING="gzip")
    assert second.content == first.content
    assert second["Content-Encoding"] == "gzip"
    assert len(compressed) == 1
    assert not any('"villages_desa"' in q["sql"] for q in second_queries.captured_queries)
    caches[figure_cache.CACHE_ALIAS].clear()


def test_a_desa_only_import_shows_the_desa_map(staff_client, demo, django_assert_max_num_queries):
    from villages.models import Desa

    Desa.objects.filter(code__in=["35.07.08.2001", "35.07.07.2016"]).update(
        boundary=square(112.7, -8.1, 0.02)
    )
    # 7, 1 more where kabupaten have outlines, 1 for the reader's wilayah (villages.scope)
    with django_assert_max_num_queries(9):
        html = get(staff_client, reverse("map"), tanggal=MID_2023)
    assert "data-no-boundaries" not in html
    assert 'id="coverage-map"' in html
    assert 'data-kecamatan="0" data-desa="1"' in html
    assert 'data-legend="desa"' in html
    assert 'data-legend="kecamatan"' not in html  # no kecamatan layer to explain
    features = map_features(staff_client, tanggal=MID_2023, tingkat="desa")
    assert {code: p["category"] for code, p in features.items()} == {
        "35.07.08.2001": "none",  # Wajak had no KIM on that date
        "35.07.07.2016": "active",  # KIM Gubugklakah
    }
    assert map_features(staff_client, tanggal=MID_2023) == {}  # no kecamatan boundary


def test_kecamatan_page_shows_its_own_map(staff_client, demo, django_assert_max_num_queries):
    from villages.models import Desa

    wajak = reverse("villages:kecamatan_detail", args=["35.07.08"])
    assert "data-kecamatan-map" not in get(staff_client, wajak, tanggal=MID_2023)
    Kecamatan.objects.filter(code="35.07.08").update(boundary=square(112.7, -8.1))
    Desa.objects.filter(code__startswith="35.07.08.").update(boundary=square(112.7, -8.1, 0.01))
    Desa.objects.filter(code="35.07.07.2016").update(boundary=square(112.8, -8.0, 0.01))
    with django_assert_max_num_queries(10):  # +1: the reader's wilayah
        html = get(staff_client, wajak, tanggal=MID_2023)
    assert "data-kecamatan-map" in html
    url = re.search(r'id="coverage-map"[^>]*data-url="([^"]+)"', html, re.S).group(1)
    url = url.replace("&amp;", "&")
    assert url == "/peta/data/?tanggal=2023-06-25&kecamatan=35.07.08"
    assert 'data-kecamatan="1" data-desa="1"' in html
    assert 'data-within="35.07.08"' in html
    desa = json.loads(get(staff_client, f"{url}&tingkat=desa"))["features"]
    assert len(desa) == 13  # Wajak's desa only, not Gubugklakah
    assert {f["properties"]["category"] for f in desa} == {"none"}
    (kecamatan,) = json.loads(get(staff_client, url))["features"]
    assert kecamatan["properties"]["name"] == "Wajak"
    # A kecamatan whose desa alone have boundaries still gets its map.
    Kecamatan.objects.filter(code="35.07.08").update(boundary=None)
    assert 'data-kecamatan="0" data-desa="1"' in get(staff_client, wajak, tanggal=MID_2023)


def test_map_data_refuses_a_bad_kecamatan_code(staff_client, demo):
    response = staff_client.get(reverse("reports:map_data"), {"kecamatan": "Wajak<script>"})
    assert response.status_code == 400
    assert "Kode kecamatan tidak dikenal" in response.json()["error"]


def test_desa_page_offers_registration_to_those_who_may_register(
    client, demo, staf, django_assert_max_num_queries
):
    from kimtracker.roles import PETUGAS

    from ..conftest import user_with_role

    codo = reverse("villages:desa_detail", args=["35.07.08.2008"])
    link = 'href="/kim/baru/?desa=35.07.08.2008" data-register-kim>Daftarkan KIM'

    def page(user):
        client.force_login(user)
        with django_assert_max_num_queries(8):
            return get(client, codo, tanggal=MID_2023)

    assert link not in page(staf)  # Staf browse, they do not register
    officer = user_with_role("petugas-wajak", PETUGAS)
    assert link in page(officer)  # a Petugas of the whole country writes everywhere
    elsewhere = user_with_role("petugas-kasembon", PETUGAS)
    limit_to(elsewhere, Kecamatan.objects.get(name="Kasembon").code)
    client.force_login(elsewhere)
    assert client.get(codo).status_code == 404  # outside their wilayah: not even shown
    limit_to(officer, Kecamatan.objects.get(name="Wajak").code)
    assert link in page(officer)
    # The link opens the registration form with the desa chosen.
    client.force_login(officer)
    form = client.get("/kim/baru/?desa=35.07.08.2008").context["form"]
    assert (form.initial["desa"], form.initial["kecamatan"]) == ("35.07.08.2008", "35.07.08")


def test_printable_map(staff_client, demo, django_assert_max_num_queries):
    Kecamatan.objects.filter(code="35.07.08").update(boundary=square(112.7, -8.1))
    # 8, 1 more where kabupaten have outlines, 1 for the reader's wilayah (villages.scope)
    with django_assert_max_num_queries(10):
        html = get(staff_client, reverse("map"), tanggal=MID_2023, cetak="1")
    assert '<h1 class="h3 mb-0">Peta cakupan KIM Kabupaten Malang</h1>' in html
    assert "Per tanggal 25 Juni 2023" in html
    assert 'data-print="1"' in html
    assert "data-print-button" in html
    assert "cahyadsn/wilayah_boundaries (lisensi MIT)" in html
    assert "idn-area-data (Kemendagri, lisensi ODbL)" in html
    assert 'data-legend="kecamatan"' in html
    screen = get(staff_client, reverse("map"), tanggal=MID_2023)
    assert 'href="/peta/?tanggal=2023-06-25&amp;cetak=1" data-print-link' in screen
    assert 'data-print="0"' in screen


def test_kabupaten_outline_when_there_is_one(staff_client, demo):
    """The kabupaten's outline is drawn where ``Kabupaten.boundary`` is set, and not asked for
    otherwise."""
    from villages.models import Kabupaten

    Kecamatan.objects.filter(code="35.07.08").update(boundary=square(112.7, -8.1))
    url = reverse("reports:map_data")
    assert 'data-kabupaten="0"' in get(staff_client, reverse("map"))
    assert json.loads(get(staff_client, url, tingkat="kabupaten"))["features"] == []
    Kabupaten.objects.filter(code="35.07").update(boundary=square(112.5, -8.4, 1.0))
    assert 'data-kabupaten="1"' in get(staff_client, reverse("map"))
    (outline,) = json.loads(get(staff_client, url, tingkat="kabupaten"))["features"]
    assert outline["properties"] == {"code": "35.07", "name": "Kabupaten Malang"}
    assert outline["geometry"] == square(112.5, -8.4, 1.0)
