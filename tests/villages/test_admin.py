"""The admin: every model listed, searchable and filterable; writes go through the services."""

import pytest
from django.urls import reverse

from reports.models import Target
from villages.models import KIM, Desa, KIMStatusChange


@pytest.fixture
def admin_client(client, django_user_model, malang):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("villages/provinsi", {"q": "jawa"}),
        ("villages/kabupaten", {"q": "35.07"}),
        ("villages/kecamatan", {"q": "wajak"}),
        ("villages/desa", {"q": "gubug", "kind__exact": "desa"}),
        ("villages/kim", {"q": "gubug", "level__exact": "pemula", "is_active__exact": "1"}),
        ("villages/kimstatuschange", {"q": "gubug", "is_active__exact": "0"}),
        ("reports/target", {"q": "2023"}),
    ],
)
def test_changelists_search_and_filter(admin_client, demo, model, params):
    response = admin_client.get(f"/admin/{model}/", params)
    assert response.status_code == 200
    assert "errornote" not in response.content.decode()


def test_kim_registered_in_the_admin_gets_its_timeline(admin_client):
    desa = Desa.objects.get(code="35.07.08.2001")
    response = admin_client.post(
        reverse("admin:villages_kim_add"),
        {
            "name": "KIM Admin",
            "desa": desa.pk,
            "formed_on": "2024-02-01",
            "member_count": "10",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    kim = KIM.objects.get(name="KIM Admin")
    assert kim.status_changes.count() == 1
    assert kim.history.first().history_user.username == "admin"

    response = admin_client.post(
        reverse("admin:villages_kimstatuschange_add"),
        {
            "kim": kim.pk,
            "effective_on": "2024-01-01",
            "level": "",
            "is_active": "false",
            "note": "salah tanggal",
        },
    )
    assert "tidak boleh sebelum tanggal pembentukan" in response.content.decode()
    response = admin_client.post(
        reverse("admin:villages_kimstatuschange_add"),
        {
            "kim": kim.pk,
            "effective_on": "2024-03-01",
            "level": "pemula",
            "is_active": "true",
            "note": "",
        },
    )
    assert "tidak ada yang berubah" in response.content.decode()
    assert kim.status_changes.count() == 1
    response = admin_client.post(
        reverse("admin:villages_kimstatuschange_add"),
        {
            "kim": kim.pk,
            "effective_on": "2024-03-01",
            "level": "",
            "is_active": "false",
            "note": "bubar",
        },
    )
    assert response.status_code == 302
    kim.refresh_from_db()
    assert (kim.is_active, kim.status_changes.count()) == (False, 2)


def test_target_set_in_the_admin_keeps_history(admin_client):
    admin_client.post(
        reverse("admin:reports_target_add"), {"year": "2027", "kim_count": "300", "note": ""}
    )
    assert Target.objects.get(year=2027).history.first().history_user.username == "admin"
    assert KIMStatusChange.objects.count() == 0


@pytest.mark.parametrize(
    ("model", "kecamatan_of"),
    [
        ("desa", lambda desa: desa.kecamatan),
        ("kim", lambda kim: kim.desa.kecamatan),
        ("kimstatuschange", lambda change: change.kim.desa.kecamatan),
    ],
)
def test_area_filter_by_kecamatan_then_by_kabupaten_at_scale(
    admin_client, demo, settings, model, kecamatan_of
):
    url = f"/admin/villages/{model}/"
    response = admin_client.get(url, {"wilayah": "35.07.08"})
    rows = list(response.context["cl"].result_list)
    assert rows
    assert {kecamatan_of(row).code for row in rows} == {"35.07.08"}
    assert "?wilayah=35.07.28" in response.content.decode()  # Wonosari, in the sidebar

    # A province or the country: the sidebar lists kabupaten/kota, not thousands of kecamatan.
    settings.KIM_FILTER_SELECT_MAX = 10
    response = admin_client.get(url, {"wilayah": "35.07"})
    html = response.content.decode()
    assert "?wilayah=35.07.28" not in html
    assert "?wilayah=35.07" in html
    assert response.context["cl"].result_count == response.context["cl"].full_result_count > 0


def test_look_alike_name_in_the_admin(admin_client, user):
    """Issue 13, finding 5: the admin stores names in their one form too, and a look-alike of
    a KIM of the desa is refused on the page (not a server error)."""
    desa = Desa.objects.get(code="35.07.08.2001")
    data = {
        "desa": desa.pk,
        "formed_on": "2024-02-01",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:villages_kim_add"), {**data, "name": "ＫＩＭ Maju"})
    assert response.status_code == 302
    assert KIM.objects.get().name == "KIM Maju"
    for name in ("KIM Maju\u200b", "KIM  maju", "KІM Maju"):
        response = admin_client.post(reverse("admin:villages_kim_add"), {**data, "name": name})
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["name"]
    assert KIM.objects.count() == 1
