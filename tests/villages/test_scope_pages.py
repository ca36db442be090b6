"""The registry's pages within the user's wilayah (issue 17, point 1): lists, their CSV
exports, the audit log, detail pages, the KIM form's selects and the option endpoints show
nothing of another wilayah; its detail pages and their sub-pages answer 404 (not 403: they do
not tell that it exists); writes there are refused; a user without any wilayah sees every list
empty, with a message saying why.

Each case builds Kabupaten Malang (the session's snapshot), Kota Batu beside it and three KIM
once, then requests every page as a Manajer (who may read and write everything) of one
wilayah."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kimtracker.roles import MANAJER
from villages import services
from villages.models import KIM, Desa, KIMStatusChange

from ..conftest import user_with_role
from ..factories import kota_batu

NO_WILAYAH = "Anda belum diberi wilayah kerja"
# What each area shows of itself, in lower case: names and codes of its kecamatan and desa,
# and the name of its KIM. The KIM's id is added by ``world``.
WAJAK = ("35.07.08.2001", "sumberputih", "kim sumberputih maju")
PONCOKUSUMO = ("35.07.07", "poncokusumo", "gubugklakah", "kim gubugklakah lestari")
BATU = ("35.79", "junrejo", "dadaprejo", "kim dadaprejo batu")


@pytest.fixture
def world(malang):
    """Kabupaten Malang with a KIM in Wajak (35.07.08) and one in Poncokusumo (35.07.07), Kota
    Batu (35.79) with one: the KIM by area."""
    kota_batu()
    formed_on = datetime.date(2024, 1, 10)

    def register(code, name):
        return services.register_kim(
            desa=Desa.objects.get(code=code), name=name, formed_on=formed_on, by=None
        )

    return {
        "wajak": register("35.07.08.2001", "KIM Sumberputih Maju"),
        "poncokusumo": register("35.07.07.2016", "KIM Gubugklakah Lestari"),
        "batu": register("35.79.03.1001", "KIM Dadaprejo Batu"),
    }


@dataclass(frozen=True)
class Case:
    """A user's wilayah, what they may see and what not, and the rows of each list."""

    codes: tuple[str, ...]
    inside: tuple[str, ...]  # areas of ``world`` within the wilayah
    outside: tuple[str, ...]  # the others
    kecamatan: int
    desa: int

    @property
    def kim(self) -> int:
        return len(self.inside)


AREAS = {"wajak": WAJAK, "poncokusumo": PONCOKUSUMO, "batu": BATU}
CASES = {
    "kabupaten malang": Case(("35.07",), ("wajak", "poncokusumo"), ("batu",), 33, 390),
    "kota batu": Case(("35.79",), ("batu",), ("wajak", "poncokusumo"), 1, 1),
    "kecamatan wajak": Case(("35.07.08",), ("wajak",), ("poncokusumo", "batu"), 1, 13),
    "no wilayah": Case((), (), ("wajak", "poncokusumo", "batu"), 0, 0),
    # The control: the whole country sees every area (so the checks above can fail).
    "whole country": Case(("",), ("wajak", "poncokusumo", "batu"), (), 34, 391),
}


def markers(world, areas) -> list[str]:
    """What a page must not show (or must) of ``areas``: names, codes, the KIM's page."""
    found = []
    for area in areas:
        found += [*AREAS[area], f"/kim/{world[area].pk}/"]
    return found


def shown(text: str, world, areas) -> list[str]:
    text = text.lower()
    return [marker for marker in markers(world, areas) if marker in text]


LISTS = {
    "villages:kecamatan_list": "kecamatan",
    "villages:desa_list": "desa",
    "villages:kim_list": "kim",
    "villages:audit_log": "kim",  # one history row (the registration) per KIM
}


@pytest.mark.parametrize("name", list(CASES))
def test_lists_exports_and_options_show_only_the_wilayah(client, world, name):
    case = CASES[name]
    client.force_login(user_with_role("manajer", MANAJER, wilayah=case.codes))
    for url_name, rows in LISTS.items():
        url = reverse(url_name)
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.context["table"].paginator.count == getattr(case, rows), url
        assert (NO_WILAYAH in page.content.decode()) == (not case.codes), url
        export = client.get(url, {"_export": "csv"})
        assert export.status_code == 200, url
        text = b"".join(export.streaming_content if export.streaming else [export.content])
        text = text.decode("utf-8-sig").lower()
        assert shown(text, world, case.outside) == [], url
        if rows == "kim":
            assert all(world[area].name.lower() in text for area in case.inside), url
    uncovered = client.get(reverse("villages:desa_uncovered"), {"_export": "csv"})
    assert shown(uncovered.content.decode("utf-8-sig"), world, case.outside) == []
    # A filter or a search naming another wilayah gives no row, never its rows.
    for area in case.outside:
        kim = world[area]
        for params in ({"kecamatan": kim.desa.kecamatan.code}, {"q": kim.desa.name}):
            for url_name in ("villages:desa_list", "villages:kim_list", "villages:audit_log"):
                page = client.get(reverse(url_name), params)
                assert page.context["table"].paginator.count == 0, (url_name, params)
        options = client.get(
            reverse("villages:desa_options"), {"kecamatan": kim.desa.kecamatan.code}
        ).json()
        assert options == {"options": []}
        kecamatan = client.get(
            reverse("villages:kecamatan_options"), {"kabupaten": kim.desa.kecamatan.kabupaten.code}
        ).json()
        assert kim.desa.kecamatan.code not in {o["code"] for o in kecamatan["options"]}
    # The register form's selects, also when a desa outside is asked for.
    for params in ({}, *({"desa": world[area].desa.code} for area in case.outside)):
        form = client.get(reverse("villages:kim_create"), params)
        assert form.status_code == 200
        # The page's own address (the language form's "next") repeats the code asked for.
        html = form.content.decode().replace(params.get("desa", "-"), "")
        assert shown(html, world, case.outside) == [], params
    form = client.get(reverse("villages:kim_create")).context["form"]
    assert form.fields["kecamatan"].queryset.count() == case.kecamatan


@pytest.mark.parametrize("name", list(CASES))
def test_detail_pages_outside_the_wilayah_are_not_found(client, world, name):
    case = CASES[name]
    client.force_login(user_with_role("manajer", MANAJER, wilayah=case.codes))
    for area, status in [*((a, 200) for a in case.inside), *((a, 404) for a in case.outside)]:
        kim = world[area]
        urls = [
            kim.desa.kecamatan.get_absolute_url(),
            kim.desa.get_absolute_url(),
            kim.get_absolute_url(),
            *(
                reverse(f"villages:{page}", args=[kim.pk])
                for page in ("kim_update", "kim_status", "kim_void", "kim_activity")
            ),
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == status, (area, url)
            if status == 200:
                assert shown(response.content.decode(), world, case.outside) == [], url


@pytest.mark.parametrize("name", ["kabupaten malang", "kecamatan wajak", "no wilayah"])
def test_writes_outside_the_wilayah_are_refused(client, world, name):
    case = CASES[name]
    client.force_login(user_with_role("manajer", MANAJER, wilayah=case.codes))
    batu = world["batu"]
    kims, changes = KIM.objects.count(), KIMStatusChange.objects.count()
    response = client.post(
        reverse("villages:kim_create"),
        {
            "kecamatan": "35.79.03",
            "desa": "35.79.03.1001",
            "name": "KIM Dadaprejo Kedua",
            "formed_on": "2024-03-01",
            "member_count": "12",
            "confirm_second": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["kecamatan"]
    status = reverse("villages:kim_status", args=[batu.pk])
    data = {"effective_on": "2024-05-01", "is_active": "false", "note": "tidak aktif"}
    assert client.post(status, data).status_code == 404
    refused = client.post(status, data, headers={"Accept": "application/json"})
    assert refused.status_code == 404
    assert refused.json()["ok"] is False
    void = reverse("villages:kim_void", args=[batu.pk])
    assert client.post(void, {"reason": "salah input"}).status_code == 404
    assert (KIM.objects.count(), KIMStatusChange.objects.count()) == (kims, changes)
    assert KIM.objects.get(pk=batu.pk).voided_at is None


def test_a_kecamatan_user_reads_only_their_kecamatan_of_the_kabupaten(client, world):
    client.force_login(user_with_role("manajer", MANAJER, wilayah=("35.07.08",)))
    assert client.get("/kecamatan/35.07.08/").status_code == 200
    assert client.get("/kecamatan/35.07.07/").status_code == 404
    # The kabupaten's kecamatan list (the breadcrumbs' link) holds their kecamatan alone.
    page = client.get(reverse("villages:kecamatan_list"), {"wilayah": "35.07"})
    assert [k.code for k in page.context["table"].data] == ["35.07.08"]


def test_an_import_preview_does_not_link_a_kim_outside_the_wilayah(client, world):
    client.force_login(user_with_role("manajer", MANAJER, wilayah=("35.07",)))
    batu = world["batu"]
    rows = (
        "kode_desa,nama_kim,tanggal_pembentukan\n"
        f"{batu.desa.code},{batu.name},2024-01-10\n"
        "35.07.08.2002,KIM Baru Wajak,2024-02-01\n"
    )
    upload = SimpleUploadedFile("kim.csv", rows.encode(), content_type="text/csv")
    response = client.post(reverse("villages:kim_import"), {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "di luar wilayah kerja Anda" in html
    assert f"/kim/{batu.pk}/" not in html
    assert not KIM.objects.filter(name="KIM Baru Wajak").exists()


def test_the_import_pages_examples_name_a_desa_of_the_wilayah(client, world):
    client.force_login(user_with_role("manajer", MANAJER, wilayah=("35.79",)))
    for name in ("kim_import", "activity_import"):
        page = client.get(reverse(f"villages:{name}")).content.decode()
        template = client.get(reverse(f"villages:{name}_template", args=["csv"]))
        for text in (page, template.content.decode("utf-8-sig")):
            assert "35.07" not in text
            assert "sumberputih" not in text.lower()
            assert "35.79.03.1001" in text
