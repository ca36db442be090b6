"""``reports/report_views.py`` as managers use it: the report index groups ten years of monthly
reports by year, latest first, with only the latest year unfolded."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone


@pytest.fixture
def manager_client(client, manajer):
    client.force_login(manajer)
    return client


def test_report_index_groups_months_by_year_latest_first(manager_client, demo):
    html = manager_client.get(reverse("reports:index")).content.decode()
    sections = re.findall(r"<details([^>]*)data-year=\"(\d{4})\"", html)
    years = [int(year) for _, year in sections]
    this_year = timezone.localdate().year
    assert years == list(range(this_year, 2016, -1))  # the demo's first KIM: January 2017
    assert [" open" in attrs for attrs, _ in sections] == [True] + [False] * (len(years) - 1)

    # Every month sits in its own year's section, newest first.
    for _attrs, year in sections:
        start = html.index(f'data-year="{year}"')
        end = html.index("</details>", start)
        months = re.findall(r"/laporan/bulanan/(\d{4})-(\d{2})/\"", html[start:end])
        assert months, year
        assert {y for y, _ in months} == {year}
        numbers = [int(m) for _, m in months]
        assert numbers == sorted(numbers, reverse=True)
    all_months = re.findall(r"/laporan/bulanan/(\d{4}-\d{2})/\"", html)
    assert "2017-01" in all_months
    assert "2023-06" in all_months


def test_a_pdf_without_the_system_libraries_is_a_clear_503_not_a_500(
    manager_client, demo, monkeypatch
):
    """On a server without WeasyPrint's Pango (``make run`` as a user who is not root), asking
    for the PDF says what is missing and offers the other formats."""
    import builtins

    real_import = builtins.__import__

    def without_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pango)
    response = manager_client.get(
        reverse("reports:monthly", kwargs={"month": "2023-06"}) + "?format=pdf"
    )
    assert response.status_code == 503
    page = response.content.decode()
    assert "PDF tidak dapat dibuat di server ini" in page
    assert "format=xlsx" in page
