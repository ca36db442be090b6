"""The follow-up list for field work: KIM to check and desa without a KIM, in bimtek batches."""

import datetime
import io

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
    assert batches == sorted(batches) and batches[0] == 1 and batches[-1] == f.batches
    assert max(batches.count(b) for b in set(batches)) == 50
    wajak = followup.build(on, kecamatan_code="35.07.08")
    assert [g.name for g in wajak.kecamatan] == ["Wajak"]


def test_follow_up_page_print_and_xlsx(staff_client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        response = staff_client.get(reverse("reports:followup"), {"tanggal": "2023-06-25"})
    html = response.content.decode()
    assert 'data-kecamatan="35.07.08"' in html and "175 desa/kelurahan tanpa KIM aktif" in html
    assert "d-print-none" in html
    response = staff_client.get(
        reverse("reports:followup"),
        {"tanggal": "2023-06-25", "kecamatan": "35.07.08", "format": "xlsx"},
    )
    book = load_workbook(io.BytesIO(response.content))
    desa_rows = list(book["Desa tanpa KIM aktif"].iter_rows(min_row=2, values_only=True))
    assert len(desa_rows) == 13 and {r[1] for r in desa_rows} == {"Wajak"}
    assert book["Desa tanpa KIM aktif"].freeze_panes == "A2"
