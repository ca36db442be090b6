"""The import previews of one office say nothing about another office's wilayah
(``villages.importing``): a Petugas of Kota Batu who uploads rows naming Kabupaten Malang's desa
codes and KIM names gets, for each, the message an unknown code gets, naming only what they
typed; not the desa's name, not whether a KIM of that name exists there. Nothing is written."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from villages.models import KIM, Desa, KIMActivity

from ..conftest import user_with_role
from ..factories import DesaFactory, KecamatanFactory, KIMFactory, kota_batu

UNKNOWN_CODE = "35.79.99.9999"


@pytest.fixture
def offices(db):
    """Kabupaten Malang (a desa of Wajak with a KIM) and Kota Batu (Dadaprejo with a KIM), and
    a Petugas of Kota Batu, logged in."""
    wajak = KecamatanFactory(code="35.07.08", name="WAJAK")
    sumberputih = DesaFactory(kecamatan=wajak, code="35.07.08.2001", name="SUMBERPUTIH")
    kota_batu()
    dadaprejo = Desa.objects.get(code="35.79.03.1001")
    return {
        "malang_desa": sumberputih,
        "malang_kim": KIMFactory(desa=sumberputih, name="KIM Cahaya Lereng"),
        "batu_kim": KIMFactory(desa=dadaprejo, name="KIM Dadaprejo Terbuka"),
        "petugas": user_with_role("petugas-batu", "Petugas", wilayah=("35.79",)),
    }


@pytest.fixture
def batu_client(client, offices):
    client.force_login(offices["petugas"])
    return client


def upload(text: str) -> dict:
    return {"file": SimpleUploadedFile("impor.csv", text.encode(), content_type="text/csv")}


def outside_markers(offices) -> list[str]:
    """What of Malang must not show: its desa and kecamatan (never typed by the user), and
    its KIM's name as registered (the file types it in lower case, as a user might)."""
    kim = offices["malang_kim"]
    return [r"(?i)sumberputih", r"(?i)wajak", re.escape(kim.name), f"/kim/{kim.pk}/"]


def desa_messages(response) -> dict[int, str]:
    """The ``kode_desa`` error of each row, the code it names replaced by "KODE"."""
    return {
        outcome.number: message.replace(outcome.desa_code, "KODE")
        for outcome in response.context["plan"].outcomes
        for column, message in outcome.errors
        if column == "kode_desa"
    }


def test_a_kim_preview_names_nothing_of_another_office(batu_client, offices):
    before = KIM.objects.count()
    malang = offices["malang_desa"].code
    response = batu_client.post(
        reverse("villages:kim_import"),
        upload(
            "kode_desa,nama_kim,tanggal_pembentukan\n"
            f"{malang},kim cahaya lereng,2024-01-10\n"  # a KIM of Malang
            f"{malang},KIM Baru Luar,2024-01-10\n"  # a new name in a desa of Malang
            f"{UNKNOWN_CODE},KIM Entah,2024-01-10\n"  # no such desa anywhere
            "35.79.03.1001,KIM Baru Batu,2024-01-10\n"
        ),
    )
    assert response.status_code == 200
    outcomes = response.context["plan"].outcomes
    assert [o.action for o in outcomes] == ["error", "error", "error", "create"]
    assert [o.desa_name for o in outcomes[:3]] == ["", "", ""]
    html = response.content.decode()
    assert [m for m in outside_markers(offices) if re.search(m, html)] == []
    # A desa of another office reads exactly like a code that names no desa at all.
    messages = desa_messages(response)
    assert messages[2] == messages[3] == messages[4]
    assert "di luar wilayah kerja Anda" in messages[2]
    assert "tidak dikenal atau di luar wilayah kerja Anda" in html
    assert response.context["pending"] is None
    assert KIM.objects.count() == before


def test_an_activity_preview_does_not_tell_whether_a_kim_exists_elsewhere(batu_client, offices):
    malang = offices["malang_desa"].code
    response = batu_client.post(
        reverse("villages:activity_import"),
        upload(
            "kode_desa,nama_kim,tanggal_kegiatan,jenis_kegiatan,uraian\n"
            f"{malang},kim cahaya lereng,2024-02-01,diskusi,Satu\n"  # a KIM of Malang
            f"{malang},KIM Tidak Ada,2024-02-01,diskusi,Dua\n"  # no KIM of that name there
            f"{UNKNOWN_CODE},KIM Entah,2024-02-01,diskusi,Tiga\n"  # no such desa anywhere
            "35.79.03.1001,kim dadaprejo terbuka,2024-02-01,diskusi,Empat\n"
        ),
    )
    assert response.status_code == 200
    outcomes = response.context["plan"].outcomes
    assert [o.action for o in outcomes] == ["error", "error", "error", "create"]
    assert [o.errors for o in outcomes[:2]] == [outcomes[0].errors] * 2
    assert [o.kim_id for o in outcomes[:3]] == [None, None, None]
    html = response.content.decode()
    assert [m for m in outside_markers(offices) if re.search(m, html)] == []
    assert "Tidak ada KIM bernama" not in html
    messages = desa_messages(response)
    assert messages[2] == messages[3] == messages[4]
    assert "tidak dikenal atau di luar wilayah kerja Anda" in html
    # The office's own KIM is found, under its registered name.
    assert offices["batu_kim"].name in html
    assert response.context["pending"] is None
    assert not KIMActivity.objects.exists()


def test_the_same_rows_are_found_for_the_office_they_belong_to(client, offices):
    """The lookup is scoped, not broken: Malang's own Petugas gets Malang's desa and KIM."""
    client.force_login(user_with_role("petugas-malang", "Petugas", wilayah=("35.07",)))
    malang = offices["malang_desa"]
    response = client.post(
        reverse("villages:activity_import"),
        upload(
            "kode_desa,nama_kim,tanggal_kegiatan,jenis_kegiatan,uraian\n"
            f"{malang.code},kim cahaya lereng,{datetime.date(2024, 2, 1)},diskusi,Satu\n"
        ),
    )
    (outcome,) = response.context["plan"].outcomes
    assert (outcome.action, outcome.desa_name, outcome.kim_id) == (
        "create",
        malang.name,
        offices["malang_kim"].pk,
    )
