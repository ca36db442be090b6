"""Registering and maintaining KIM through the pages, as officers do."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from villages import services
from villages.models import KIM, Desa, Kecamatan

from ..conftest import limit_to
from ..factories import kota_batu

D = datetime.date


def form_data(**overrides):
    data = {
        "kecamatan": "35.07.08",
        "desa": "35.07.08.2001",
        "name": "KIM Sumberputih Maju",
        "formed_on": "2024-03-01",
        "member_count": "12",
        "chair_name": "Sulastri",
        "chair_phone": "0812-3456-7890",
        "email": "kim@example.org",
        "website": "https://kim-sumberputih.example.org",
    }
    data.update(overrides)
    return data


def errors_of(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_register_a_kim(officer_client, user, malang):
    response = officer_client.post(reverse("villages:kim_create"), form_data())
    kim = KIM.objects.get(name="KIM Sumberputih Maju")
    assert response.status_code == 302
    assert response.url == kim.get_absolute_url()
    assert kim.chair_phone == "+6281234567890"
    assert kim.desa.code == "35.07.08.2001"
    assert kim.status_changes.count() == 1
    assert kim.history.first().history_user == user
    page = officer_client.get(response.url).content.decode()
    assert "KIM Sumberputih Maju terdaftar." in page
    assert "KIM KIM" not in page  # the name already says KIM


def test_register_form_prefilled_from_a_desa(officer_client, malang):
    response = officer_client.get(reverse("villages:kim_create"), {"desa": "35.07.07.2016"})
    form = response.context["form"]
    assert form.initial == {"desa": "35.07.07.2016", "kecamatan": "35.07.07"}
    html = response.content.decode()
    assert '<option value="35.07.07.2016" selected>Gubugklakah</option>' in html
    # Only the desa of the chosen kecamatan are offered.
    assert set(form.fields["desa"].queryset.values_list("kecamatan__code", flat=True)) == {
        "35.07.07"
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"formed_on": "2999-01-01"}, "formed_on", "tidak boleh di masa depan"),
        ({"member_count": "2"}, "member_count", "antara 3 dan 30"),
        ({"member_count": "31"}, "member_count", "antara 3 dan 30"),
        ({"chair_phone": "12345"}, "chair_phone", "Nomor telepon tidak dikenali"),
        ({"website": "bukan url"}, "website", "URL yang valid"),
        ({"email": "bukan-email"}, "email", "alamat email yang valid"),
        ({"name": ""}, "name", "tidak boleh kosong"),
        ({"desa": "35.07.07.2016"}, "desa", "Pilih desa/kelurahan yang ada di kecamatan"),
        ({"desa": ""}, "desa", "tidak boleh kosong"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(officer_client, malang, overrides, field, message):
    response = officer_client.post(reverse("villages:kim_create"), form_data(**overrides))
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response, field)), response.context["form"].errors
    assert f'data-error-for="{field}"' in response.content.decode()
    assert not KIM.objects.exists()


def test_duplicate_name_in_the_same_desa_is_refused(officer_client, user, malang):
    officer_client.post(reverse("villages:kim_create"), form_data())
    response = officer_client.post(
        reverse("villages:kim_create"), form_data(name="kim sumberputih MAJU", confirm_second="on")
    )
    assert "Sudah ada KIM dengan nama ini" in " ".join(errors_of(response, "name"))
    assert KIM.objects.count() == 1


def test_second_active_kim_in_a_desa_needs_confirmation(officer_client, malang):
    officer_client.post(reverse("villages:kim_create"), form_data())
    response = officer_client.post(reverse("villages:kim_create"), form_data(name="KIM Kedua"))
    assert "sudah punya KIM aktif (KIM Sumberputih Maju)" in " ".join(
        errors_of(response, "confirm_second")
    )
    assert 'name="confirm_second"' in response.content.decode()
    assert KIM.objects.count() == 1
    response = officer_client.post(
        reverse("villages:kim_create"), form_data(name="KIM Kedua", confirm_second="on")
    )
    assert response.status_code == 302
    assert KIM.objects.count() == 2


def test_edit_and_the_second_of_two_concurrent_saves_is_refused(officer_client, user, malang):
    officer_client.post(reverse("villages:kim_create"), form_data())
    kim = KIM.objects.get()
    url = reverse("villages:kim_update", args=[kim.pk])
    opened = officer_client.get(url).context["form"]
    assert opened.initial["version"] == 1
    # Someone else saves first.
    services.update_kim(kim=kim, by=user, expected_version=1, member_count=20)
    response = officer_client.post(url, form_data(member_count="15", version="1"))
    assert response.status_code == 200
    text = " ".join(response.context["form"].non_field_errors())
    assert "telah diubah orang lain" in text
    assert "jumlah anggota" in text
    kim.refresh_from_db()
    assert kim.member_count == 20
    response = officer_client.post(url, form_data(member_count="15", version="2"))
    assert response.status_code == 302
    kim.refresh_from_db()
    assert (kim.member_count, kim.version) == (15, 3)


def test_status_change_form_and_timeline(officer_client, malang):
    officer_client.post(reverse("villages:kim_create"), form_data())
    kim = KIM.objects.get()
    url = reverse("villages:kim_status", args=[kim.pk])
    response = officer_client.post(
        url, {"effective_on": "2024-02-01", "is_active": "0", "note": "x"}
    )
    assert "tidak boleh sebelum tanggal pembentukan" in response.content.decode()
    response = officer_client.post(url, {"effective_on": "2024-05-01", "note": "kosong"})
    assert "harus mengubah tingkat, status aktif, atau keduanya" in response.content.decode()
    response = officer_client.post(
        url, {"effective_on": "2024-05-01", "is_active": "0", "note": ""}
    )
    assert "tidak boleh kosong" in " ".join(errors_of(response, "note"))
    response = officer_client.post(
        url,
        {
            "effective_on": "2024-05-01",
            "level": "berkembang",
            "is_active": "0",
            "note": "Kunjungan: tidak aktif",
        },
    )
    assert response.status_code == 302
    kim.refresh_from_db()
    assert (kim.level, kim.is_active, kim.inactive_since) == ("berkembang", False, D(2024, 5, 1))
    response = officer_client.post(
        url, {"effective_on": "2024-09-01", "is_active": "1", "note": "Aktif kembali"}
    )
    kim.refresh_from_db()
    assert kim.is_active
    assert kim.status_changes.count() == 3
    html = officer_client.get(kim.get_absolute_url()).content.decode()
    assert "Kunjungan: tidak aktif" in html
    assert "Aktif kembali" in html


def test_void_removes_the_kim_from_every_figure(officer_client, malang):
    from reports import coverage

    officer_client.post(reverse("villages:kim_create"), form_data(formed_on="2024-03-01"))
    kim = KIM.objects.get()
    today = timezone.localdate()
    assert coverage.summary(today).kim_formed == 1
    url = reverse("villages:kim_void", args=[kim.pk])
    response = officer_client.post(url, {"reason": ""})
    assert "tidak boleh kosong" in " ".join(errors_of(response, "reason"))
    response = officer_client.post(url, {"reason": "Salah input, desa keliru"})
    assert response.status_code == 302
    kim.refresh_from_db()
    assert kim.voided_at
    assert kim.void_reason == "Salah input, desa keliru"
    assert coverage.summary(today).kim_formed == 0
    html = officer_client.get(kim.get_absolute_url()).content.decode()
    assert "data-voided" in html
    assert "Ubah data" not in html
    assert officer_client.get(reverse("villages:kim_update", args=[kim.pk])).status_code == 404
    # The same name can be registered again, properly.
    response = officer_client.post(reverse("villages:kim_create"), form_data())
    assert response.status_code == 302
    assert KIM.objects.count() == 2


def test_staf_cannot_write(staff_client, malang, user):
    kim = services.register_kim(
        desa=Desa.objects.get(code="35.07.08.2001"), name="KIM A", formed_on=D(2024, 1, 1), by=user
    )
    for name, args in (
        ("kim_create", []),
        ("kim_update", [kim.pk]),
        ("kim_status", [kim.pk]),
        ("kim_void", [kim.pk]),
    ):
        url = reverse(f"villages:{name}", args=args)
        assert staff_client.get(url).status_code == 403
        assert staff_client.post(url, form_data()).status_code == 403
    html = staff_client.get(kim.get_absolute_url()).content.decode()
    assert "Ubah data" not in html
    assert "Catat perubahan status" not in html


def test_assigned_officer_edits_only_their_kecamatan(officer_client, user, malang):
    limit_to(user, Kecamatan.objects.get(code="35.07.07").code)
    response = officer_client.post(reverse("villages:kim_create"), form_data())
    # Kecamatan Wajak is not offered: refused next to the field.
    assert response.status_code == 200
    assert response.context["form"].errors["kecamatan"]
    assert not KIM.objects.exists()
    response = officer_client.post(
        reverse("villages:kim_create"),
        form_data(kecamatan="35.07.07", desa="35.07.07.2016", name="KIM Gubugklakah"),
    )
    assert response.status_code == 302
    elsewhere = services.register_kim(
        desa=Desa.objects.get(code="35.07.08.2001"),
        name="KIM Lain",
        formed_on=D(2024, 1, 1),
        by=None,
    )
    # Outside their wilayah: not found (tests/villages/test_scope_pages.py), not "forbidden".
    assert (
        officer_client.get(reverse("villages:kim_update", args=[elsewhere.pk])).status_code == 404
    )
    assert officer_client.get(elsewhere.get_absolute_url()).status_code == 404


def test_desa_options_endpoint(officer_client, malang, django_assert_max_num_queries):
    # 6: one of them reads the user's wilayah (the options are those within it).
    with django_assert_max_num_queries(6):
        data = officer_client.get(
            reverse("villages:desa_options"), {"kecamatan": "35.07.28"}
        ).json()
    assert len(data["options"]) == 6
    assert officer_client.get(reverse("villages:desa_options"), {"kecamatan": "x"}).json() == {
        "options": []
    }


def test_desa_choices_say_which_desa_already_has_an_active_kim(officer_client, user, malang):
    """Both the JSON options and the re-rendered form mark a desa with an active KIM, and only
    while that KIM is active."""
    covered = Desa.objects.get(code="35.07.28.2001")
    kim = services.register_kim(
        by=user, desa=covered, name="KIM Pertama", formed_on=datetime.date(2024, 1, 5)
    )
    options = {
        o["code"]: o
        for o in officer_client.get(
            reverse("villages:desa_options"), {"kecamatan": "35.07.28"}
        ).json()["options"]
    }
    assert options[covered.code]["name"] == f"{covered.name} (sudah ada KIM aktif)"
    assert options[covered.code]["has_active_kim"] is True
    others = [o for code, o in options.items() if code != covered.code]
    assert others
    assert not any("sudah ada KIM" in o["name"] or o["has_active_kim"] for o in others)

    # Without JavaScript: the form re-rendered for the kecamatan labels the options the same.
    page = officer_client.post(
        reverse("villages:kim_create"), form_data(kecamatan="35.07.28", desa="", name="")
    ).content.decode()
    assert f"{covered.name} (sudah ada KIM aktif)</option>" in page

    services.record_status_change(
        kim=kim, by=user, effective_on=datetime.date(2025, 1, 1), is_active=False
    )
    again = officer_client.get(reverse("villages:desa_options"), {"kecamatan": "35.07.28"})
    assert "sudah ada KIM" not in again.content.decode()


@pytest.fixture
def two_kabupaten(malang, settings):
    """Kabupaten Malang and Kota Batu (35.79), more kecamatan than a select offers: the form
    then asks for the kabupaten/kota first, as in a province or national deployment."""
    settings.KIM_FILTER_SELECT_MAX = 10
    return kota_batu()


def test_register_form_asks_for_the_kabupaten_first_at_scale(
    officer_client, user, two_kabupaten, django_assert_max_num_queries
):
    url = reverse("villages:kim_create")
    with django_assert_max_num_queries(9):  # one reads the user's wilayah
        response = officer_client.get(url)
    form = response.context["form"]
    html = response.content.decode()
    assert list(form.fields)[:3] == ["kabupaten", "kecamatan", "desa"]
    assert 'id="id_kabupaten"' in html
    assert "KOTA BATU (Jawa Timur)" in html
    # No kecamatan before a kabupaten is chosen: not 34 options on the page.
    assert list(form.fields["kecamatan"].queryset) == []
    assert "Wajak" not in html

    # Without JavaScript: choosing the kabupaten and submitting offers its kecamatan.
    response = officer_client.post(url, {"kabupaten": "35.79"})
    assert [k.code for k in response.context["form"].fields["kecamatan"].queryset] == ["35.79.03"]
    assert not KIM.objects.exists()

    # A kecamatan of another kabupaten is refused, next to the field, and nothing is written.
    response = officer_client.post(url, form_data(kabupaten="35.79"))
    assert errors_of(response, "kecamatan") == [
        "Pilih kecamatan yang ada di kabupaten/kota terpilih."
    ]
    assert not KIM.objects.exists()

    response = officer_client.post(url, form_data(kabupaten="35.07"))
    kim = KIM.objects.get()
    assert response.url == kim.get_absolute_url()
    assert kim.desa.code == "35.07.08.2001"

    # Editing starts from the KIM's own kabupaten and kecamatan.
    response = officer_client.get(reverse("villages:kim_update", args=[kim.pk]))
    form = response.context["form"]
    assert (form["kabupaten"].value(), form["kecamatan"].value()) == ("35.07", "35.07.08")
    assert len(form.fields["kecamatan"].queryset) == 33


def test_kecamatan_options_endpoint(officer_client, two_kabupaten, django_assert_max_num_queries):
    url = reverse("villages:kecamatan_options")
    with django_assert_max_num_queries(6):  # one reads the user's wilayah
        data = officer_client.get(url, {"kabupaten": "35.07"}).json()
    assert len(data["options"]) == 33
    assert {"code": "35.07.08", "name": "Wajak"} in data["options"]
    assert officer_client.get(url, {"kabupaten": "35.79"}).json() == {
        "options": [{"code": "35.79.03", "name": "JUNREJO"}]
    }
    assert officer_client.get(url, {"kabupaten": "x"}).json() == {"options": []}


def test_one_kabupaten_has_no_kabupaten_step(officer_client, malang):
    form = officer_client.get(reverse("villages:kim_create")).context["form"]
    assert "kabupaten" not in form.fields
    assert len(form.fields["kecamatan"].queryset) == 33


def test_edit_without_version_is_refused(officer_client, user, malang):
    """Issue 13, finding 7: a hand-made POST without ``version`` must not skip the conflict
    check and overwrite someone else's save."""
    officer_client.post(reverse("villages:kim_create"), form_data())
    kim = KIM.objects.get()
    url = reverse("villages:kim_update", args=[kim.pk])
    services.update_kim(kim=kim, by=user, expected_version=1, member_count=20)
    for version in ("", None, "abc"):
        data = form_data(member_count="15")
        if version is not None:
            data["version"] = version
        response = officer_client.post(url, data)
        assert response.status_code == 200
        assert "muat ulang halaman" in response.content.decode()
        kim.refresh_from_db()
        assert (kim.member_count, kim.version) == (20, 2)


def test_loose_fields_through_the_form(officer_client, malang):
    """Issue 13, finding 6: a 2,000,000-character address is refused next to the field and
    nothing is written; phone numbers in Arabic-Indic or fullwidth digits are stored in ASCII."""
    response = officer_client.post(
        reverse("villages:kim_create"), form_data(address="x" * 2_000_000)
    )
    assert response.status_code == 200
    assert any("paling banyak 500 karakter" in e for e in errors_of(response, "address"))
    assert not KIM.objects.exists()
    response = officer_client.post(
        reverse("villages:kim_create"),
        form_data(chair_phone="+62٨١٢٣٤٥٦٧٨٩٠", secretary_phone="０８１２－３４５６－７８９０"),
    )
    assert response.status_code == 302
    kim = KIM.objects.get()
    assert (kim.chair_phone, kim.secretary_phone) == ("+6281234567890", "+6281234567890")


@pytest.mark.parametrize(
    ("field", "value"),
    [("formed_on", "0001-01-01"), ("formed_on", "1999-12-31"), ("sk_date", "0201-06-01")],
)
def test_dates_nobody_can_mean_are_refused_by_the_form(officer_client, malang, field, value):
    """Issue 13, finding 3: dates before KIM_EARLIEST_DATE (2000-01-01) are refused next to the
    field and nothing is written."""
    response = officer_client.post(reverse("villages:kim_create"), form_data(**{field: value}))
    assert response.status_code == 200
    assert any("terlalu awal" in e and "2000-01-01" in e for e in errors_of(response, field))
    assert not KIM.objects.exists()
    assert response.context["form"].fields["formed_on"].widget.attrs["min"] == "2000-01-01"


def test_earliest_date_is_a_setting(officer_client, malang, settings):
    settings.KIM_EARLIEST_DATE = D(2010, 1, 1)
    response = officer_client.post(
        reverse("villages:kim_create"), form_data(formed_on="2009-12-31")
    )
    assert any("2010-01-01" in e for e in errors_of(response, "formed_on"))
    response = officer_client.post(
        reverse("villages:kim_create"), form_data(formed_on="2010-01-01")
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("name", "field", "message"),
    [
        ("KІM Sumberputih", "name", "mencampur huruf dari beberapa aksara (Cyrillic, Latin)"),
        ("ＫＩＭ  Sumberputih\u200b", "name", "Sudah ada KIM dengan nama ini"),
        ("kim\u00a0sumberputih", "name", "Sudah ada KIM dengan nama ini"),
        ("\u200b\u200b", "name", "tidak boleh kosong"),
    ],
)
def test_look_alike_names_through_the_form(officer_client, user, malang, name, field, message):
    """Issue 13, finding 5: look-alikes of "KIM Sumberputih" in its desa are not new KIM."""
    services.register_kim(
        desa=Desa.objects.get(code="35.07.08.2001"),
        name="KIM Sumberputih",
        formed_on=D(2023, 1, 1),
        by=user,
    )
    response = officer_client.post(
        reverse("villages:kim_create"), form_data(name=name, confirm_second="on")
    )
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response, field)), response.context["form"].errors
    assert KIM.objects.count() == 1
