"""The follow-up list for field work: KIM to check and desa without a KIM, in bimtek batches."""

import datetime
import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from reports import coverage, followup

D = datetime.date


def test_follow_up_list_groups_and_batches(demo, settings):
    on = D(2024, 6, 30)
    settings.KIM_BIMTEK_BATCH_SIZE = 50
    f = followup.build(on)
    expected_kim = coverage.kim_needing_check(on)
    s = coverage.summary(on)
    assert f.kim_to_check == len(expected_kim)
    assert f.desa_without_kim == s.desa_total - s.desa_covered
    assert f.batches == -(-f.desa_without_kim // 50)
    batches = [batch for group in f.kecamatan for batch, _d in group.desa_without_kim]
    assert batches == sorted(batches)
    assert batches[0] == 1
    assert batches[-1] == f.batches
    assert max(batches.count(b) for b in set(batches)) == 50
    wajak = followup.build(on, within="35.07.08")
    assert [g.name for g in wajak.kecamatan] == ["Wajak"]


def test_follow_up_page_print_and_xlsx(staff_client, demo):
    response = staff_client.get(reverse("reports:followup"), {"tanggal": "2023-06-25"})
    html = response.content.decode()
    assert 'data-kecamatan="35.07.08"' in html
    assert "175 desa/kelurahan tanpa KIM aktif" in html
    assert "d-print-none" in html
    response = staff_client.get(
        reverse("reports:followup"),
        {"tanggal": "2023-06-25", "kecamatan": "35.07.08", "format": "xlsx"},
    )
    book = load_workbook(io.BytesIO(response.content))
    desa_rows = list(book["Desa tanpa KIM aktif"].iter_rows(min_row=2, values_only=True))
    assert len(desa_rows) == 13
    assert {r[1] for r in desa_rows} == {"Wajak"}
    assert book["Desa tanpa KIM aktif"].freeze_panes == "A2"


def test_follow_up_at_scale_asks_for_a_kabupaten_first(
    staff_client, demo, settings, django_assert_max_num_queries
):
    """A province or the country: the page offers kabupaten/kota, lists nothing until one is
    chosen, then only its kecamatan; the XLSX of every wilayah stays available."""
    from villages import services
    from villages.models import Desa

    from ..factories import kota_batu

    settings.KIM_FILTER_SELECT_MAX = 10
    kota_batu()
    services.register_kim(
        desa=Desa.objects.get(code="35.79.03.1001"),
        name="KIM Dadaprejo",
        formed_on=datetime.date(2020, 1, 1),
        by=None,
    )
    url = reverse("reports:followup")
    on = {"tanggal": "2024-06-30"}
    with django_assert_max_num_queries(10):
        html = staff_client.get(url, on).content.decode()
    assert "data-followup-choose" in html
    assert "data-kecamatan=" not in html
    assert 'name="wilayah"' in html
    assert "KOTA BATU (Jawa Timur)" in html

    with django_assert_max_num_queries(12):
        html = staff_client.get(url, {**on, "wilayah": "35.79"}).content.decode()
    assert 'data-kecamatan="35.79.03"' in html
    assert 'data-kecamatan="35.07.08"' not in html
    assert "KIM Dadaprejo" in html  # formed 2020, never an activity: to check

    html = staff_client.get(url, {**on, "wilayah": "35.07"}).content.decode()
    expected = followup.build(datetime.date(2024, 6, 30), within="35.07")
    assert f"{expected.kim_to_check} KIM perlu verifikasi" in html
    assert 'data-kecamatan="35.07.08"' in html
    assert 'data-kecamatan="35.79.03"' not in html

    response = staff_client.get(url, {**on, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content))["KIM perlu verifikasi"]
    kecamatan = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "JUNREJO" in kecamatan
    assert len(kecamatan) > 1


def test_follow_up_page_offers_a_print_button_and_a_print_per_kecamatan(staff_client, demo):
    url = reverse("reports:followup")
    html = staff_client.get(url, {"tanggal": "2023-06-25"}).content.decode()
    assert "Ctrl+P" not in html
    assert re.search(r'<button type="button"[^>]*data-print>Cetak semua', html)
    assert "js/print.js" in html
    assert re.search(r'href="[^"]*css/followup-print\.css" media="print"', html)
    assert "data-autoprint" not in html  # the whole list is printed only when asked
    sections = re.findall(r'data-kecamatan="([\d.]+)"', html)
    links = re.findall(r'href="([^"]+)" data-print-kecamatan', html)
    assert len(links) == len(sections) > 1
    wajak = next(link for link in links if "kecamatan=35.07.08" in link).replace("&amp;", "&")
    assert "cetak=1" in wajak

    # The kecamatan's own print: its section alone, printed as the page opens.
    one = staff_client.get(url + wajak).content.decode()
    assert re.findall(r'data-kecamatan="([\d.]+)"', one) == ["35.07.08"]
    assert "data-autoprint" in one
    assert "data-print-kecamatan" not in one
    assert re.search(r"data-print>Cetak</button>", one)
