"""``villages.fields``: one definition of the KIM's field groups, used by the form, its page
sections, the services and the history."""

import datetime
import re

from villages import services
from villages.edit_views import KIMFormMixin
from villages.fields import (
    KIM_DETAIL_FIELDS,
    OFFICER_FIELDS,
    PERSONAL_FIELDS,
    PHONE_FIELDS,
    changed_fields,
)
from villages.forms import KIMForm
from villages.models import KIM

from ..factories import KIMFactory


def test_groups_are_fields_of_the_kim():
    names = {field.name for field in KIM._meta.get_fields()}
    assert set(KIM_DETAIL_FIELDS) <= names
    assert not {"level", "is_active", "inactive_since", "version"} & set(KIM_DETAIL_FIELDS)
    assert set(OFFICER_FIELDS) == PERSONAL_FIELDS
    assert PHONE_FIELDS == ("chair_phone", "secretary_phone", "treasurer_phone")


def test_the_form_page_shows_every_field_once(malang):
    """The page sections of the KIM form hold each of its fields exactly once."""
    shown = [name for names in KIMFormMixin.sections.values() for name in names]
    assert len(shown) == len(set(shown))
    # "kabupaten" only at province or national scale; the version and the device's key of an
    # offline entry travel hidden.
    assert set(shown) == (set(KIMForm().fields) | {"kabupaten"}) - {"version", "client_key"}


def test_history_lists_changes_without_bookkeeping_or_hidden_fields(user):
    kim = KIMFactory(by=user, chair_name="Pak Lama", formed_on=datetime.date(2023, 1, 10))
    services.update_kim(kim=kim, by=user, chair_name="Bu Baru", member_count=12)
    newer, older = kim.history.all()[:2]
    assert sorted(changed_fields(newer, older)) == ["jumlah anggota", "nama ketua"]
    assert changed_fields(newer, older, hidden=PERSONAL_FIELDS) == ["jumlah anggota"]
    assert changed_fields(older, None) == []


def test_detail_page_history_shows_labels_never_the_version(staff_client, user):
    """The change history on the KIM page names what changed as a user knows it (capitalised
    verbose names), never the internal field names nor the version counter."""
    kim = KIMFactory(by=user, formed_on=datetime.date(2023, 1, 10))
    services.record_status_change(
        kim=kim, by=user, effective_on=datetime.date(2024, 2, 1), level="berkembang"
    )
    services.update_kim(kim=KIM.objects.get(pk=kim.pk), by=user, member_count=12)
    html = staff_client.get(f"/kim/{kim.pk}/").content.decode()
    history = html[html.index("data-history") :]
    history = history[: history.index("</table>")]
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td>(.*?)</td>", history, flags=re.S)
    ]
    changes = cells[2::3]
    assert "Perubahan status: Tingkat" in changes
    assert "Perubahan data KIM: Jumlah anggota" in changes
    for internal in ("versi", "version", "level", "member_count", "updated"):
        assert not re.search(rf"\b{internal}\b", " ".join(changes), flags=re.I), internal
