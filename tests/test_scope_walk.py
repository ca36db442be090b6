"""Two kabupaten on one deployment (issue 17): every URL, walked by each role of each
office, shows nothing of the other office's wilayah (names, codes, ids) in HTML, CSV, XLSX, PDF
or JSON, the files the pages offer included; pages of the other office's objects answer 404;
writes there are refused and change nothing.

Kabupaten Malang (35.07, the demo's 250 KIM) and Kota Batu (35.79: kecamatan Junrejo, desa
Dadaprejo with one KIM) are filled; the offices are scoped to 35.07, to 35.79 and to one
kecamatan of Malang (Wajak, 35.07.08)."""

import datetime
import io
import re
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from api.services import create_token
from reports import monthly, publishing
from villages import services
from villages.models import KIM, Desa

from .conftest import user_with_role
from .factories import kota_batu
from .test_security import named_patterns

# Pages every scope sees the same way, whatever its wilayah: the public check of a printed
# report (number, month, hash; no data of any wilayah's KIM), the log-in pages, the app shell.
UNSCOPED = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "service_worker",
    "web_manifest",
    "favicon",
    "reports:verify",
}
# The API's documentation: its examples name codes (35.07), not data.
DOCUMENTATION = ("/api/docs", "/api/v1/openapi")
# POST-only actions: walked by the write checks below.
ACTIONS = {"reports:publish"}

# A wilayah code as such: not the seconds of a time ("09:24:35.795") or part of a number.
CODE = r"(?<![\d:.]){}(?![\d])"
BATU_KIM = "KIM Dadaprejo Rahasia"
OFFICES = {
    # scope: (its sample objects, what of the others must never show)
    "35.07": (
        "35.07.07.2016",
        [CODE.format("35\\.79"), r"(?i)dadaprejo", r"(?i)junrejo", r"(?i)kota batu"],
    ),
    "35.79": (
        "35.79.03.1001",
        [CODE.format("35\\.07"), r"(?i)poncokusumo", r"(?i)gubugklakah", r"(?i)wajak"],
    ),
    "35.07.08": (
        None,  # a KIM of Wajak, found in the demo
        [
            CODE.format("35\\.79"),
            r"(?i)dadaprejo",
            CODE.format("35\\.07\\.07"),
            r"(?i)poncokusumo",
            r"(?i)gubugklakah",
        ],
    ),
}
ROLES = ["Staf", "Petugas", "Manajer"]


@pytest.fixture
def two_offices(demo):
    kota_batu()
    return services.register_kim(
        desa=Desa.objects.get(code="35.79.03.1001"),
        name=BATU_KIM,
        formed_on=datetime.date(2021, 3, 4),
        by=None,
    )


def sample_kim(scope_code: str) -> KIM:
    desa, _markers = OFFICES[scope_code]
    if desa:
        return KIM.objects.filter(desa__code=desa).first()
    return KIM.objects.filter(desa__code__startswith=f"{scope_code}.").order_by("pk").first()


def sample_url(name: str, pattern, kim: KIM, user) -> str | None:
    values = {
        "pk": user.pk if name.startswith("villages:user") else kim.pk,
        "code": kim.desa.code if "desa" in name else kim.desa.kecamatan.code,
        "format": "csv",
        "kind": "csv",
        "month": "2023-06",
        "revision": 1,
        "uidb64": "MQ",
        "token": "tanda-palsu",
    }
    kwargs = {}
    for key in pattern.pattern.converters:
        if key not in values:
            return None  # a converter this walk does not know: the security test covers it
        kwargs[key] = values[key]
    url = reverse(name, kwargs=kwargs)
    if name == "reports:publication":
        return f"{url}?wilayah={scope_code_of(user)}"
    return url


def scope_code_of(user) -> str:
    return user.wilayah_scope.get().code


def text_of(response) -> str:
    """What a person or a program could read in the answer: the HTML or JSON or CSV text, the
    XLSX's cells and sheet names, the PDF's text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "\n".join(
                book.read(name).decode("utf-8", "replace")
                for name in book.namelist()
                if name.endswith(".xml")
            )
    if kind.startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8", "replace")


DOWNLOAD = re.compile(r'href="([^"]*(?:[?&]|&amp;)(?:_export|format)=[^"]*)"')


def leaks(text: str, markers: list[str]) -> list[str]:
    return [m for m in markers if re.search(m, text)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("scope_code", list(OFFICES))
def test_every_page_and_file_stays_within_the_office(client, two_offices, role, scope_code):
    user = user_with_role(f"{role.lower()}-{scope_code}", role, wilayah=(scope_code,))
    client.force_login(user)
    _row, token = create_token(user=user, name="walk")
    if role == "Manajer":  # a published report of the office: its version page and files
        asked = publishing.request_publication(
            datetime.date(2023, 6, 1), monthly.resolve_wilayah(scope_code), by=user, enqueue=print
        )
        assert publishing.run(asked.pk).is_done
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    own = sample_kim(scope_code)
    _desa, markers = OFFICES[scope_code]
    found, seen = {}, set()
    for name, pattern in named_patterns():
        if name in UNSCOPED or name in ACTIONS:
            continue
        url = sample_url(name, pattern, own, user)
        if url is None or url.startswith(DOCUMENTATION):
            continue
        # The API answers tokens, not the browser's session.
        response = client.get(url, **(bearer if url.startswith("/api/v1/") else {}))
        if response.status_code in (403, 405):  # not this role's page, or POST only
            continue
        assert response.status_code < 500, (name, url, response.status_code)
        texts = {url: text_of(response)}
        # Every file the page offers of itself (the reports page's links to each month's
        # files are the monthly report's own, walked there).
        path = url.split("?")[0]
        for link in DOWNLOAD.findall(texts[url]):
            link = link.replace("&amp;", "&")
            if link.startswith("?"):
                link = path + link
            if link.split("?")[0] != path or link in seen:
                continue
            seen.add(link)
            download = client.get(link)
            assert download.status_code < 500, (name, link)
            if download.status_code == 200:
                texts[link] = text_of(download)
        for where, text in texts.items():
            if hit := leaks(text, markers):
                found[where] = hit
    assert not found, "\n".join(f"{url}: {hit}" for url, hit in found.items())


@pytest.mark.parametrize("scope_code", ["35.07", "35.79"])
def test_the_other_offices_pages_are_not_found(client, two_offices, scope_code):
    user = user_with_role(f"manajer-{scope_code}", "Manajer", wilayah=(scope_code,))
    client.force_login(user)
    other = sample_kim("35.79" if scope_code == "35.07" else "35.07")
    for name in (
        "villages:kim_detail",
        "villages:kim_update",
        "villages:kim_status",
        "villages:kim_void",
        "villages:kim_activity",
    ):
        url = reverse(name, args=[other.pk])
        assert client.get(url).status_code == 404, url
    for name, code in (
        ("villages:desa_detail", other.desa.code),
        ("villages:kecamatan_detail", other.desa.kecamatan.code),
    ):
        assert client.get(reverse(name, args=[code])).status_code == 404, name


def test_writes_in_the_other_office_are_refused(client, two_offices):
    officer = user_with_role("petugas-malang", "Petugas", wilayah=("35.07",))
    client.force_login(officer)
    batu = two_offices
    before = KIM.objects.get(pk=batu.pk)
    today = datetime.date.today().isoformat()  # noqa: DTZ011 - a date field's text
    attempts = [
        (reverse("villages:kim_update", args=[batu.pk]), {"name": "Diubah", "version": 1}),
        (
            reverse("villages:kim_status", args=[batu.pk]),
            {"effective_on": today, "is_active": "false", "note": "x"},
        ),
        (reverse("villages:kim_void", args=[batu.pk]), {"reason": "Salah"}),
        (
            reverse("villages:kim_activity", args=[batu.pk]),
            {"occurred_on": today, "kind": "pertemuan", "description": "x"},
        ),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code in (403, 404), url
    response = client.post(
        reverse("villages:kim_create"),
        {
            "kecamatan": "35.79.03",
            "desa": "35.79.03.1001",
            "name": "KIM Menyusup",
            "formed_on": "2024-01-02",
            "member_count": "10",
        },
    )
    assert response.status_code in (200, 403, 404)
    assert not KIM.objects.filter(name="KIM Menyusup").exists()
    after = KIM.objects.get(pk=batu.pk)
    assert (after.name, after.version, after.voided_at) == (
        before.name,
        before.version,
        before.voided_at,
    )
    assert after.status_changes.count() == 1  # the opening entry only
    assert not after.activities.exists()
