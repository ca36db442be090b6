"""The bulk write services (``register_kims``, ``update_kims``) and the import on top of them:
every entry is checked before anything is written, the writes obey the rules of the one-KIM
services and keep the figures' structure exact, and an import costs the same queries for 5
rows as for 25 (issue 13, finding 9: 5,000 rows in seconds, not minutes)."""

import datetime

import pytest
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villages import services
from villages.choices import KIMLevel
from villages.importing import kim as importer
from villages.models import KIM, KIMActivity, KIMStatusChange

from ..conftest import limit_to
from ..factories import DesaFactory, KecamatanFactory, KIMFactory
from .test_timeline import assert_structure_follows_the_timeline

D = datetime.date


@pytest.fixture
def desa(db):
    """Four desa in two kecamatan."""
    kecamatan = [KecamatanFactory(), KecamatanFactory()]
    return [DesaFactory(kecamatan=kecamatan[i % 2]) for i in range(4)]


def entry(places, i: int, **values) -> dict:
    return {
        "desa": places[i % len(places)],
        "name": f"KIM Uji {i:03d}",
        "formed_on": D(2015 + i % 8, 1 + i % 12, 10),
        **values,
    }


def import_rows(desa, count: int, **cells) -> list:
    """The rows of a CSV of ``count`` KIM, as the importer reads them."""
    headers = ["kode_desa", "nama_kim", "tanggal_pembentukan", "jumlah_anggota", "telepon_ketua"]
    dataset = tablib.Dataset(headers=headers)
    for i in range(count):
        values = entry(desa, i)
        row = {
            "kode_desa": values["desa"].code,
            "nama_kim": values["name"],
            "tanggal_pembentukan": values["formed_on"].isoformat(),
            "jumlah_anggota": 12,
            "telepon_ketua": f"0812{i:08d}",
        }
        row.update({key: value(i) for key, value in cells.items()})
        dataset.append([row[header] for header in headers])
    return importer.read_file(dataset.export("csv").encode(), filename="kim.csv")


def queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


# --- register_kims --------------------------------------------------------------------------


def test_register_kims_checks_every_entry_before_writing_any(user, desa):
    KIMFactory(desa=desa[0], name="KIM Sudah Ada")
    entries = [
        entry(desa, 0),
        entry(desa, 1, member_count=0),
        entry(desa, 2, name="kim sudah ada", desa=desa[0]),
        entry(desa, 3, name="KIM Uji 000", desa=desa[0]),
    ]
    passed, refused = services.check_registrations(entries, by=user)
    assert sorted(passed) == [0]
    assert sorted(refused) == [1, 2, 3]
    assert "Jumlah anggota" in str(refused[1])
    assert refused[2].message_dict["name"] == [str(services.DUPLICATE_NAME)]
    assert refused[3].message_dict["name"] == [str(services.DUPLICATE_NAME)]

    with pytest.raises(ValidationError) as raised:
        services.register_kims(entries, by=user)
    assert raised.value.entry == 1
    assert KIM.objects.count() == 1
    assert KIMStatusChange.objects.count() == 1


def test_register_kims_writes_what_register_kim_writes(user, desa):
    kims = services.register_kims(
        [entry(desa, i, note="Dari SK" if i == 0 else "") for i in range(12)],
        by=user,
        reason="Impor berkas kim.csv",
    )
    assert [kim.name for kim in kims] == [f"KIM Uji {i:03d}" for i in range(12)]
    for kim in kims:
        (opening,) = kim.status_changes.all()
        assert (opening.effective_on, opening.is_active, opening.recorded_by) == (
            kim.formed_on,
            True,
            user,
        )
        (record,) = kim.history.all()
        assert (record.history_type, record.history_user, record.history_change_reason) == (
            "+",
            user,
            "Impor berkas kim.csv",
        )
    assert kims[0].status_changes.get().note == "Dari SK"
    assert kims[1].status_changes.get().note == "Pembentukan KIM"
    assert_structure_follows_the_timeline()


# --- update_kims ----------------------------------------------------------------------------


def test_update_kims_writes_shared_and_individual_values_and_moves_the_timelines(user, desa):
    kims = services.register_kims([entry(desa, i) for i in range(12)], by=user)
    later = services.record_status_change(
        kim=kims[0], effective_on=D(2024, 5, 1), by=user, is_active=False
    )
    versions = dict(KIM.objects.values_list("pk", "version"))
    updates = [
        {
            "kim": kim,
            "member_count": 30,  # one value for all: one UPDATE
            "chair_phone": f"0813{i:08d}",  # a value each: bulk_update
            "formed_on": kim.formed_on - datetime.timedelta(days=i),
        }
        for i, kim in enumerate(kims[:10])
    ]
    updates.append({"kim": kims[10], "member_count": None})  # None: left as it is
    results = services.update_kims(updates, by=user, reason="Koreksi")

    assert [bool(result.changed) for result in results] == [True] * 10 + [False]
    for i, kim in enumerate(kims[:10]):
        kim.refresh_from_db()
        assert (kim.member_count, kim.chair_phone) == (30, f"+62813{i:08d}")
        assert kim.version == versions[kim.pk] + 1
        assert kim.formed_on == entry(desa, i)["formed_on"] - datetime.timedelta(days=i)
        assert kim.status_changes.order_by("effective_on").first().effective_on == kim.formed_on
        newest = kim.history.order_by("-history_date", "-history_id").first()
        assert (newest.history_type, newest.history_user, newest.history_change_reason) == (
            "~",
            user,
            "Koreksi",
        )
        assert (newest.member_count, newest.version) == (30, kim.version)
    later.refresh_from_db()
    assert later.effective_on == D(2024, 5, 1)  # only the opening entry moves
    untouched = KIM.objects.get(pk=kims[10].pk)
    assert (untouched.version, untouched.history.count()) == (1, 1)
    assert_structure_follows_the_timeline()


def test_update_kims_refuses_all_when_one_breaks_a_rule(user, desa):
    kims = services.register_kims([entry(desa, i) for i in range(3)], by=user)
    services.record_status_change(
        kim=kims[2], effective_on=D(2024, 5, 1), by=user, level=KIMLevel.BERKEMBANG
    )
    updates = [
        {"kim": kims[0], "member_count": 25},
        {"kim": kims[1], "name": kims[1].name, "chair_phone": "bukan nomor"},
        {"kim": kims[2], "formed_on": D(2024, 6, 1)},
    ]
    history = KIM.history.count()
    checked, refused = services.check_updates(updates, by=user)
    assert sorted(checked) == [0]
    assert sorted(refused) == [1, 2]
    assert "setelah perubahan status pertama (2024-05-01)" in str(refused[2])
    with pytest.raises(ValidationError) as raised:
        services.update_kims(updates, by=user)
    assert raised.value.entry == 1
    assert KIM.objects.get(pk=kims[0].pk).member_count is None
    assert KIM.history.count() == history


def test_a_renamed_kim_may_not_take_a_name_of_its_desa(user, desa):
    first, second = services.register_kims([entry(desa, 0), entry(desa, 1, desa=desa[0])], by=user)
    with pytest.raises(ValidationError, match="Sudah ada KIM dengan nama ini"):
        services.update_kim(kim=second, by=user, name=first.name.upper())
    services.update_kim(kim=second, by=user, name=second.name.upper())  # its own name: fine
    assert KIM.objects.get(pk=second.pk).name == "KIM UJI 001"


# --- The import: queries that do not grow with the rows --------------------------------------


@pytest.mark.parametrize(
    "step",
    ["preview new", "confirm new", "preview unchanged", "confirm corrections"],
)
def test_an_import_costs_the_same_queries_for_5_rows_as_for_25(user, desa, step):
    """Before the bulk services every row cost its own queries (15-20 ms a row: 5,000 rows took
    over a minute, past a gunicorn worker's timeout). Now the queries are per batch of rows
    (``services.BULK_CHUNK``; on SQLite an INSERT holds at most 999 values, 29 KIM)."""

    def cost(count: int) -> int:
        KIM.objects.all().delete()
        rows = import_rows(desa, count)
        if step == "preview new":
            return queries(lambda: importer.plan(rows, by=user))
        if step == "confirm new":
            return queries(lambda: importer.run(rows, by=user, filename="kim.csv"))
        importer.run(rows, by=user, filename="kim.csv")
        if step == "preview unchanged":
            return queries(lambda: importer.plan(rows, by=user))
        corrected = import_rows(
            desa, count, jumlah_anggota=lambda i: 20, telepon_ketua=lambda i: f"0819{i:08d}"
        )
        return queries(lambda: importer.run(corrected, by=user, filename="kim.csv"))

    cost(1)  # the user's permissions, read once and cached
    assert cost(5) == cost(25)


def test_a_confirmed_import_is_what_the_preview_said(user, desa):
    KIMFactory(desa=desa[1], name="KIM Uji 001", member_count=5)
    rows = import_rows(desa, 8)
    plan = importer.plan(rows, by=user)
    assert plan.counts == importer.ImportCounts(created=7, updated=1, unchanged=0)
    assert plan.outcomes[1].changed == ["tanggal_pembentukan", "telepon_ketua", "jumlah_anggota"]
    assert KIM.objects.count() == 1
    assert importer.run(plan, by=user, filename="kim.csv") == plan.counts
    assert KIM.objects.count() == 8
    assert importer.plan(rows, by=user).counts == importer.ImportCounts(0, 0, 8)
    assert_structure_follows_the_timeline()


def activity_entries(kims, per_kim: int = 2, **values) -> list[dict]:
    return [
        {
            "kim": kim,
            "occurred_on": D(2024, 1 + n, 5),
            "kind": "diskusi",
            "description": f"Diskusi warga ke-{n}",
            **values,
        }
        for kim in kims
        for n in range(per_kim)
    ]


def test_record_many_activities_writes_what_one_by_one_writes(user, desa):
    kims = [KIMFactory(desa=place, formed_on=D(2020, 1, 1)) for place in desa]
    created = services.record_many_activities(activity_entries(kims), by=user)
    assert len(created) == 8
    for kim in kims:
        assert sorted(kim.activities.values_list("occurred_on", "description")) == [
            (D(2024, 1, 5), "Diskusi warga ke-0"),
            (D(2024, 2, 5), "Diskusi warga ke-1"),
        ]
        assert all(a.history.get().history_user == user for a in kim.activities.all())


@pytest.mark.parametrize(
    "spoil",
    ["same activity again", "before formation", "voided KIM", "outside the wilayah"],
)
def test_record_many_activities_refuses_all_when_one_breaks_a_rule(user, desa, spoil):
    kims = [KIMFactory(desa=place, formed_on=D(2020, 1, 1)) for place in desa]
    entries = activity_entries(kims)
    last = kims[-1]
    if spoil == "same activity again":
        entries.append(dict(entries[-1]))
    elif spoil == "before formation":
        entries[-1]["occurred_on"] = D(2019, 6, 1)
    elif spoil == "voided KIM":
        services.void_kim(kim=last, reason="Salah daftar", by=user)
    else:
        limit_to(user, desa[0].kecamatan.code)
    with pytest.raises((ValidationError, PermissionDenied)):
        services.record_many_activities(entries, by=user)
    assert KIMActivity.objects.count() == 0


def test_record_many_activities_costs_the_same_queries_for_2_kim_as_for_20(user, db):
    kims = [
        KIMFactory(desa=DesaFactory(kecamatan=KecamatanFactory()), formed_on=D(2020, 1, 1))
        for _ in range(20)
    ]

    def cost(count: int) -> int:
        KIMActivity.objects.all().delete()
        entries = activity_entries(kims[:count])
        return queries(lambda: services.record_many_activities(entries, by=user))

    cost(1)  # the user's permissions, read once and cached
    assert cost(2) == cost(20)
