"""Lists and details of the registry as staff use them: filters, sorting, CSV of exactly the
filtered rows, the same figures as the dashboard, and a fixed number of queries."""

import datetime
import re

import django_tables2
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import coverage
from villages import services
from villages.models import KIM, Desa, Kecamatan
from villages.tables import DesaTable, KecamatanTable, KIMTable

from ..factories import KIMFactory
from ..pages import csv_rows

MID_2023, SEPT_2025 = "2023-06-25", "2025-09-24"


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response


def row_count(response) -> int:
    return response.context["table"].paginator.count


def test_pages_need_a_login(client, demo):
    kim = KIM.objects.first()
    for url in (
        reverse("villages:kecamatan_list"),
        "/kecamatan/35.07.08/",
        "/desa/",
        "/desa/tanpa-kim/",
        "/desa/35.07.07.2016/",
        "/kim/",
        f"/kim/{kim.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/akun/masuk/"), url


def test_kecamatan_list_figures_add_up_to_the_dashboard(staff_client, demo):
    for tanggal, formed, active in ((MID_2023, 215, 215), (SEPT_2025, 250, 75)):
        rows = csv_rows(get(staff_client, "/kecamatan/", tanggal=tanggal, _export="csv"))
        assert len(rows) == 33
        assert sum(int(r["KIM dibentuk"]) for r in rows) == formed
        assert sum(int(r["KIM aktif"]) for r in rows) == active
    rows = {
        r["Kecamatan"]: r
        for r in csv_rows(get(staff_client, "/kecamatan/", tanggal=MID_2023, _export="csv"))
    }
    assert (rows["Wajak"]["Desa/kel."], rows["Wajak"]["Desa dengan KIM aktif"]) == ("13", "0")
    assert rows["Wajak"]["Cakupan (%)"] == "0.0"


def test_kecamatan_list_sorts_by_coverage_and_links_counts(staff_client, demo):
    response = get(staff_client, "/kecamatan/", tanggal=MID_2023, sort="coverage")
    first = response.context["table"].page.object_list.data[0]
    assert first.coverage == 0.0
    html = response.content.decode()
    assert 'href="/desa/?kecamatan=35.07.08&amp;tanggal=2023-06-25">13</a>' in html
    assert 'href="/kim/?kecamatan=35.07.08&amp;aktif=ya&amp;tanggal=2023-06-25">0</a>' in html
    response = get(staff_client, "/kecamatan/", tanggal=MID_2023, sort="-coverage")
    rows = list(response.context["table"].page.object_list.data)
    assert [r.coverage for r in rows] == sorted((r.coverage for r in rows), reverse=True)


def test_desa_uncovered_matches_the_dashboard(staff_client, demo):
    for tanggal in (MID_2023, SEPT_2025):
        s = coverage.summary(__import__("datetime").date.fromisoformat(tanggal))
        response = get(staff_client, "/desa/tanpa-kim/", tanggal=tanggal)
        assert row_count(response) == s.desa_total - s.desa_covered
    assert row_count(get(staff_client, "/desa/tanpa-kim/", tanggal=MID_2023)) == 175


def test_desa_filters_and_csv_of_exactly_the_filtered_rows(staff_client, demo):
    assert row_count(get(staff_client, "/desa/")) == 390
    response = get(staff_client, "/desa/", kind="kelurahan")
    assert row_count(response) == 12
    rows = csv_rows(get(staff_client, "/desa/", kind="kelurahan", _export="csv"))
    assert len(rows) == 12
    assert {r["Jenis"] for r in rows} == {"Kelurahan"}

    response = get(staff_client, "/desa/tanpa-kim/", tanggal=MID_2023, kecamatan="35.07.08")
    assert row_count(response) == 13
    assert "data-row-count>13 baris<" in response.content.decode()
    rows = csv_rows(
        get(staff_client, "/desa/tanpa-kim/", tanggal=MID_2023, kecamatan="35.07.08", _export="csv")
    )
    assert len(rows) == 13
    assert {r["Kecamatan"] for r in rows} == {"Wajak"}
    assert rows[0]["Kode"] == "35.07.08.2001"
    # All filtered rows, not only the first page of 50.
    assert len(csv_rows(get(staff_client, "/desa/", _export="csv"))) == 390
    response = get(staff_client, "/desa/", _export="csv")
    assert response["Content-Disposition"].endswith("desa-" + _today() + '.csv"')

    response = get(staff_client, "/desa/", q="gubugklakah")
    assert [d.code for d in response.context["table"].page.object_list.data] == ["35.07.07.2016"]
    response = get(staff_client, "/desa/", q="35.07.28.")
    assert row_count(response) == 6
    response = get(staff_client, "/desa/", tanggal=MID_2023, tercakup="ya")
    assert row_count(response) == 215


def _today():
    from django.utils import timezone

    return timezone.localdate().isoformat()


def test_desa_list_is_paginated_and_sortable(staff_client, demo):
    response = get(staff_client, "/desa/", sort="-code", page=2)
    rows = list(response.context["table"].page.object_list.data)
    assert len(rows) == 50
    assert rows[0].code > rows[-1].code


def test_unknown_filter_value_is_explained(staff_client, demo):
    response = get(staff_client, "/desa/", kecamatan="99.99.99")
    assert "Masukkan pilihan yang valid" in response.content.decode()
    assert row_count(response) == 0


def test_kim_list_filters_on_the_as_of_date(staff_client, demo):
    assert row_count(get(staff_client, "/kim/", tanggal=MID_2023)) == 215
    assert row_count(get(staff_client, "/kim/", tanggal=SEPT_2025, aktif="ya")) == 75
    assert row_count(get(staff_client, "/kim/", tanggal=SEPT_2025, aktif="tidak")) == 175
    response = get(staff_client, "/kim/", tanggal=MID_2023, tingkat="mandiri")
    assert [k.name for k in response.context["table"].page.object_list.data] == ["KIM Gubugklakah"]
    assert row_count(get(staff_client, "/kim/", tanggal=SEPT_2025, tingkat="mandiri")) == 2
    assert (
        row_count(get(staff_client, "/kim/", tahun=2017))
        == KIM.objects.filter(formed_on__year=2017).count()
    )
    assert row_count(get(staff_client, "/kim/", kecamatan="35.07.07", q="gubug")) == 1
    rows = csv_rows(get(staff_client, "/kim/", tanggal=MID_2023, tingkat="mandiri", _export="csv"))
    assert rows == [
        {
            "Nama KIM": "KIM Gubugklakah",
            "Desa/kelurahan": "Gubugklakah",
            "Kecamatan": "Poncokusumo",
            "Dibentuk": rows[0]["Dibentuk"],
            "Tingkat": "Berdaya/Mandiri",
            "Aktif": "Ya",
            "Perlu verifikasi": "Tidak",
            "Kegiatan terakhir": rows[0]["Kegiatan terakhir"],
        }
    ]
    assert rows[0]["Kegiatan terakhir"] <= MID_2023


def test_kecamatan_detail(staff_client, demo):
    html = get(staff_client, "/kecamatan/35.07.07/", tanggal=MID_2023).content.decode()
    assert "Kecamatan Poncokusumo" in html
    assert "KIM Gubugklakah" in html
    assert len(re.findall(r"<tr", html[html.index("data-desa-table") :])) == 1 + 17
    assert (
        get(staff_client, "/kecamatan/35.07.08/", tanggal=MID_2023)
        .content.decode()
        .count("belum ada KIM")
        == 13
    )
    assert staff_client.get("/kecamatan/99.99.99/").status_code == 404


def test_desa_and_kim_detail_show_the_timeline(staff_client, demo, user):
    html = get(staff_client, "/desa/35.07.07.2016/", tanggal=MID_2023).content.decode()
    assert "KIM Gubugklakah" in html
    assert "Berdaya/Mandiri" in html
    assert "data-timeline" in html
    assert "Data demo" in html

    kim = KIM.objects.get(name="KIM Gubugklakah")
    html = get(staff_client, f"/kim/{kim.pk}/", tanggal="2019-01-01").content.decode()
    assert "Pemula" in html  # level in force on that day
    assert "data-history" in html


def test_personal_data_only_for_officers(staff_client, user, malang):
    desa = Desa.objects.get(code="35.07.08.2001")
    kim = services.register_kim(
        desa=desa,
        name="KIM Sumberputih",
        formed_on=_date(2024, 1, 5),
        by=user,
        chair_name="Bu Sulastri",
        chair_phone="081234567890",
    )
    services.update_kim(kim=kim, by=user, chair_phone="081299999999", member_count=12)
    html = get(staff_client, f"/kim/{kim.pk}/").content.decode()
    assert "Bu Sulastri" not in html
    assert "0812" not in html
    assert "Jumlah anggota" in html
    assert "telepon ketua" not in html.lower()
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    staff_client.force_login(type(user).objects.get(pk=user.pk))
    html = get(staff_client, f"/kim/{kim.pk}/").content.decode()
    assert "Bu Sulastri" in html
    assert "+6281299999999" in html  # the service writes the one form of a number
    assert "Telepon ketua" in html


def _date(*args):
    import datetime

    return datetime.date(*args)


def test_kim_detail_queries_do_not_grow_with_its_timeline(staff_client, demo):
    """Each page's count is pinned in tests/query_counts.json; here a longer status timeline
    and history add no query to a KIM's page."""
    kim = KIMFactory(desa=Desa.objects.get(code="35.07.08.2002"), name="KIM Baru")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            get(staff_client, f"/kim/{kim.pk}/", tanggal=MID_2023)
        return len(queries)

    before = count()
    for day in (2, 3, 4):
        services.record_status_change(
            kim=kim, effective_on=_date(2020, 2, day), by=None, is_active=day % 2 == 1
        )
    assert count() == before


@pytest.mark.parametrize("tanggal", [MID_2023, "2025-09-24"])
def test_csv_values_are_those_of_django_tables2(demo, tanggal):
    """The export's own ``as_values`` (resolved once per column, for speed) gives exactly the
    rows django-tables2's own would, for every list and every column kind (links, counts, dates,
    choices, yes/no, levels, empty values)."""
    on = datetime.date.fromisoformat(tanggal)
    tables = [
        KecamatanTable(Kecamatan.objects.with_coverage(on), as_of=on),
        DesaTable(Desa.objects.with_coverage(on).select_related("kecamatan"), as_of=on),
        KIMTable(
            KIM.objects.for_table()
            .formed_by(on)
            .with_status_on(on)
            .with_last_activity(on)
            .with_needing_check(on),
            as_of=on,
        ),
    ]
    for table in tables:
        ours = list(table.as_values())
        theirs = list(django_tables2.Table.as_values(table))
        assert len(ours) > 30
        assert ours == theirs


def test_kecamatan_filter_is_a_code_field_beyond_the_select_limit(staff_client, demo, settings):
    """A province or the country: no select of thousands of kecamatan on every list page, a
    field for the kecamatan code instead, filtering the same rows."""
    html = get(staff_client, "/desa/").content.decode()
    assert '<select name="kecamatan"' in html
    assert html.count("<option") > 33
    settings.KIM_FILTER_SELECT_MAX = 10
    for url in ("/desa/", "/desa/tanpa-kim/", "/kim/"):
        html = get(staff_client, url).content.decode()
        assert '<select name="kecamatan"' not in html
        assert re.search(
            r'<input type="text" name="kecamatan"[^>]*placeholder="Kode kecamatan', html
        )
    response = get(staff_client, "/desa/", kecamatan="35.07.08")
    assert row_count(response) == 13  # Wajak
    assert 'value="35.07.08"' in response.content.decode()
    response = get(staff_client, "/kim/", kecamatan="35.07.99")
    assert "Tidak ada kecamatan dengan kode ini." in response.content.decode()
    assert row_count(response) == 0
