"""The exact number of queries of every page, pinned in one baseline file, as NetBox pins its
views (``tests/query_counts.json``).

Each page below is requested as the role that reads it, over the demo data (the ``demo``
fixture), and must answer 200 with exactly the number of queries the baseline gives it. A
ceiling lets a page drift from 5 queries to 10 unseen; an exact count makes every change to a
page's reads a decision that shows in the diff. The counts are the same on SQLite and PostgreSQL.

After a deliberate change (a page that reads one query more or less), re-pin with one command and
commit the file with the change:

    KIM_UPDATE_QUERY_COUNTS=1 .venv/bin/python -m pytest tests/test_query_counts.py

That run records the count of every page it requests (it still checks the status codes) and
drops entries of pages no longer listed here.
"""

import fcntl
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kimtracker.roles import MANAJER, PETUGAS, STAF
from villages.models import KIM, Desa, Kecamatan

from .conftest import user_with_role

BASELINE = Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("KIM_UPDATE_QUERY_COUNTS") == "1"
HOW_TO_UPDATE = (
    "If the change is deliberate, re-pin with "
    "`KIM_UPDATE_QUERY_COUNTS=1 .venv/bin/python -m pytest tests/test_query_counts.py` "
    "and commit tests/query_counts.json."
)
MID_2023 = {"tanggal": "2023-06-25"}


def kim_detail() -> str:
    """KIM Gubugklakah (demo): the longest timeline, two promotions and its history."""
    return KIM.objects.get(desa__code="35.07.07.2016").get_absolute_url()


def published_then_changed() -> None:
    """June 2023 published, then three KIM formed in June registered after it: the report page
    shows the difference and its causes."""
    import datetime

    from reports import monthly, publishing
    from villages import services

    publication = publishing.request_publication(
        datetime.date(2023, 6, 1), monthly.resolve_wilayah(None), by=None, enqueue=print
    )
    publishing.run(publication.pk)
    for code in ("35.07.08.2001", "35.07.08.2002", "35.07.28.2001"):
        services.register_kim(
            desa=Desa.objects.get(code=code),
            name="KIM Terlambat",
            formed_on=datetime.date(2023, 6, 20),
            by=None,
        )


def verification_url() -> str:
    from django.urls import reverse

    from reports.models import Publication

    return reverse("reports:verify", args=[Publication.objects.get().public_id])


def boundaries() -> None:
    """Two kecamatan and one desa with a boundary (small squares), so the map draws them."""

    def square(lon, lat, size=0.05):
        ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}

    Kecamatan.objects.filter(code="35.07.08").update(boundary=square(112.7, -8.1))
    Kecamatan.objects.filter(code="35.07.07").update(boundary=square(112.8, -8.0))
    Desa.objects.filter(code="35.07.07.2016").update(boundary=square(112.8, -8.0, 0.01))


@dataclass(frozen=True)
class Page:
    """A page as one role requests it; ``key`` names its count in the baseline."""

    key: str
    role: str
    url: str | Callable[[], str]
    params: dict = field(default_factory=dict)
    setup: Callable[[], None] | None = None


PAGES = [
    # Figures: today (the current values on the KIM row) and a past date (the timeline).
    Page("dashboard", STAF, "/"),
    Page("dashboard 2023-06-25", STAF, "/", MID_2023),
    Page("dashboard 2024-06-30", STAF, "/", {"tanggal": "2024-06-30"}),
    # A wilayah's dashboard: one kecamatan or a whole provinsi, the same reads.
    Page("dashboard wilayah kecamatan", STAF, "/", {**MID_2023, "wilayah": "35.07.07"}),
    Page("dashboard wilayah provinsi", STAF, "/", {**MID_2023, "wilayah": "35"}),
    Page("map without boundaries", STAF, "/peta/", MID_2023),
    Page("map", STAF, "/peta/", MID_2023, setup=boundaries),
    Page("map data kecamatan", STAF, "/peta/data/", MID_2023, setup=boundaries),
    Page("map data desa", STAF, "/peta/data/", {**MID_2023, "tingkat": "desa"}, boundaries),
    # Lists, their CSV exports and details.
    Page("kecamatan list", STAF, "/kecamatan/", MID_2023),
    Page("kecamatan list csv", STAF, "/kecamatan/", {**MID_2023, "_export": "csv"}),
    Page("kecamatan detail", STAF, "/kecamatan/35.07.07/", MID_2023),
    Page("desa list", STAF, "/desa/", MID_2023),
    Page("desa list csv", STAF, "/desa/", {**MID_2023, "_export": "csv"}),
    Page("desa uncovered", STAF, "/desa/tanpa-kim/", MID_2023),
    Page(
        "desa uncovered csv",
        STAF,
        "/desa/tanpa-kim/",
        {**MID_2023, "_export": "csv", "kecamatan": "35.07.08"},
    ),
    Page("desa detail", STAF, "/desa/35.07.07.2016/", MID_2023),
    Page("kim list", STAF, "/kim/", MID_2023),
    Page(
        "kim list needing check", STAF, "/kim/", {"tanggal": "2024-06-30", "perlu_verifikasi": "ya"}
    ),
    Page("kim list csv", STAF, "/kim/", {**MID_2023, "_export": "csv"}),
    Page("kim detail", STAF, kim_detail, MID_2023),
    Page("kim detail as officer", PETUGAS, kim_detail, MID_2023),
    # Field work.
    # Wilayah side by side: the page, sorted, and its files.
    Page("comparison", STAF, "/laporan/perbandingan/", MID_2023),
    Page("comparison sorted", STAF, "/laporan/perbandingan/", {**MID_2023, "sort": "-kim_active"}),
    Page("comparison csv", STAF, "/laporan/perbandingan/", {**MID_2023, "format": "csv"}),
    Page("comparison xlsx", STAF, "/laporan/perbandingan/", {**MID_2023, "format": "xlsx"}),
    Page("follow-up", STAF, "/tindak-lanjut/", MID_2023),
    Page(
        "follow-up xlsx",
        STAF,
        "/tindak-lanjut/",
        {**MID_2023, "kecamatan": "35.07.08", "format": "xlsx"},
    ),
    # Managers: reports, their files, targets, open data, the audit log.
    Page("reports", MANAJER, "/laporan/"),
    Page("monthly report", MANAJER, "/laporan/bulanan/2023-06/"),
    Page("monthly report xlsx", MANAJER, "/laporan/bulanan/2023-06/", {"format": "xlsx"}),
    Page("monthly report pdf", MANAJER, "/laporan/bulanan/2023-06/", {"format": "pdf"}),
    Page("monthly report csv", MANAJER, "/laporan/bulanan/2023-06/", {"format": "csv"}),
    Page("monthly report kecamatan", MANAJER, "/laporan/bulanan/2023-06/", {"wilayah": "35.07.07"}),
    Page(
        "monthly report published and changed",
        MANAJER,
        "/laporan/bulanan/2023-06/",
        setup=published_then_changed,
    ),
    Page(
        "published version",
        MANAJER,
        "/laporan/bulanan/2023-06/terbitan/1/",
        {"wilayah": "35.07"},
        published_then_changed,
    ),
    Page(
        "published version pdf",
        MANAJER,
        "/laporan/bulanan/2023-06/terbitan/1/",
        {"wilayah": "35.07", "format": "pdf"},
        published_then_changed,
    ),
    Page("verification", MANAJER, verification_url, setup=published_then_changed),
    Page("targets", MANAJER, "/laporan/target/"),
    Page("open data csv", MANAJER, "/laporan/data-terbuka/kim.csv", MID_2023),
    Page("open data json", MANAJER, "/laporan/data-terbuka/kim.json", MID_2023),
    Page("audit log", MANAJER, "/audit/"),
    Page("audit log csv", MANAJER, "/audit/", {"_export": "csv"}),
]


def _load() -> dict[str, int]:
    return json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}


def _update(change: Callable[[dict[str, int]], None]) -> None:
    """Apply ``change`` to the baseline file, one test process at a time (pytest-xdist)."""
    lock_path = Path(tempfile.gettempdir()) / "kimtracker-query-counts.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        counts = _load()
        change(counts)
        text = json.dumps(dict(sorted(counts.items())), indent=2, ensure_ascii=False)
        BASELINE.write_text(text + "\n", encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=[page.key for page in PAGES])
def test_page_answers_with_its_pinned_query_count(client, demo, page):
    client.force_login(user_with_role(page.role.lower(), page.role))
    if page.setup:
        page.setup()
    url = page.url() if callable(page.url) else page.url
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, page.params)
    assert response.status_code == 200, f"{page.key}: {url} answered {response.status_code}"
    count = len(queries)
    if UPDATE:
        _update(lambda counts: counts.__setitem__(page.key, count))
        return
    expected = _load().get(page.key)
    assert expected is not None, f"No pinned query count for {page.key!r}. {HOW_TO_UPDATE}"
    listing = "\n".join(f"  {i}. {q['sql'][:300]}" for i, q in enumerate(queries, start=1))
    assert count == expected, (
        f"{page.key}: {count} queries, {expected} pinned. {HOW_TO_UPDATE}\n{listing}"
    )


def test_the_baseline_pins_only_pages_listed_here():
    keys = {page.key for page in PAGES}
    assert len(keys) == len(PAGES), "two pages share a key"
    if UPDATE:
        _update(lambda counts: [counts.pop(key) for key in set(counts) - keys])
        return
    stale = sorted(set(_load()) - keys)
    assert not stale, (
        f"tests/query_counts.json pins pages no longer tested: {stale}. {HOW_TO_UPDATE}"
    )
