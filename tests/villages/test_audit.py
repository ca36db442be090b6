"""The managers' audit log: every write with who and when."""

import datetime

from django.urls import reverse

from villages import services
from villages.models import Desa

from ..pages import csv_rows


def test_audit_log_lists_every_kind_of_write(
    client, manajer, user, malang, django_assert_max_num_queries
):
    desa = Desa.objects.get(code="35.07.08.2001")
    kim = services.register_kim(
        desa=desa, name="KIM Audit", formed_on=datetime.date(2024, 1, 2), by=user
    )
    services.update_kim(kim=kim, by=user, member_count=9)
    services.record_status_change(
        kim=kim,
        effective_on=datetime.date(2024, 6, 1),
        by=user,
        is_active=False,
        note="Tidak ada kegiatan",
    )
    services.void_kim(kim=kim, reason="Ganda", by=user)
    client.force_login(manajer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("villages:audit_log"))
    assert response.status_code == 200
    rows = csv_rows(client.get(reverse("villages:audit_log"), {"_export": "csv"}))
    assert [r["Keterangan"] for r in rows] == [
        "Pembatalan: Ganda",
        "Tidak ada kegiatan",
        "Perubahan data KIM",
        "Pendaftaran KIM",
    ]
    assert {r["Oleh"] for r in rows} == {"petugas"}
    assert {r["Kecamatan"] for r in rows} == {"Wajak"}
    assert rows[-1]["Jenis"] == "Dibuat"
    filtered = csv_rows(
        client.get(reverse("villages:audit_log"), {"_export": "csv", "q": "pembatalan"})
    )
    assert len(filtered) == 1
    assert (
        csv_rows(client.get(reverse("villages:audit_log"), {"_export": "csv", "jenis": "+"}))[0][
            "KIM"
        ]
        == "KIM Audit"
    )
    assert "Log audit" in client.get(reverse("dashboard")).content.decode()


def test_audit_log_is_for_managers_only(client, staf, user, malang):
    for who in (staf, user):
        client.force_login(who)
        assert client.get(reverse("villages:audit_log")).status_code == 403
        assert "Log audit" not in client.get(reverse("dashboard")).content.decode()
