"""The project's django-tables2 template (templates/django_tables2/): every paginated list
words its pagination in Indonesian, since django-tables2 has no Indonesian catalogue."""

import re

import pytest


@pytest.mark.parametrize("url", ["/desa/", "/desa/tanpa-kim/"])
def test_pagination_reads_indonesian(staff_client, malang, url):
    page_one = staff_client.get(url).content.decode()
    assert re.search(r"berikutnya\s*<span aria-hidden=\"true\">»</span>", page_one)
    assert "sebelumnya" not in page_one  # page one has no previous page

    page_two = staff_client.get(url, {"page": 2}).content.decode()
    assert re.search(r"«</span>\s*sebelumnya", page_two)
    assert 'aria-label="Halaman tabel"' in page_two
    assert 'aria-current="page">2</a>' in page_two
    visible_text = re.sub(r"<[^>]+>", " ", page_two)
    assert not re.search(r"\b(previous|next)\b", visible_text)
