"""``villages.filters`` as the list pages offer them: only filters that can select something
on that page."""

from ..factories import kota_batu


def test_desa_without_kim_offers_no_active_kim_filter_nor_column(staff_client, malang):
    uncovered = staff_client.get("/desa/tanpa-kim/")
    assert "tercakup" not in uncovered.context["filter"].form.fields
    assert 'name="tercakup"' not in uncovered.content.decode()
    assert "Punya KIM aktif" not in uncovered.content.decode()
    assert "is_covered" not in [c.name for c in uncovered.context["table"].columns]
    csv_header = staff_client.get("/desa/tanpa-kim/", {"_export": "csv"}).content.decode()
    assert "Punya KIM aktif" not in csv_header.splitlines()[0]
    # ?tercakup= on that page is now simply not a filter: it never empties the list.
    assert (
        staff_client.get("/desa/tanpa-kim/", {"tercakup": "ya"}).context["table"].paginator.count
        == uncovered.context["table"].paginator.count
    )

    # The desa list keeps both.
    desa = staff_client.get("/desa/")
    assert 'name="tercakup"' in desa.content.decode()
    assert "is_covered" in [c.name for c in desa.context["table"].columns]


def test_kecamatan_list_offers_the_wilayah_filter_only_with_several_kabupaten(staff_client, malang):
    one = staff_client.get("/kecamatan/")
    assert 'name="wilayah"' not in one.content.decode()
    assert "Kode provinsi/kabupaten" not in one.content.decode()

    kota_batu()
    several = staff_client.get("/kecamatan/", {"wilayah": "35.79"})
    assert 'name="wilayah"' in several.content.decode()
    assert several.context["table"].paginator.count == 1
