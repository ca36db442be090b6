"""Open-data export of the KIM registry for Satu Data Indonesia portals: official codes, names,
formation date, level and active flag as of a date. No personal data (no officers, phones,
addresses or e-mail)."""

import datetime
import json

from django.db.models import Q

from kimtracker.downloads import csv_bytes
from villages.choices import KIMLevel
from villages.models import KIM

COLUMNS = [
    "kode_kecamatan",
    "nama_kecamatan",
    "kode_desa",
    "nama_desa",
    "nama_kim",
    "tanggal_pembentukan",
    "tingkat",
    "aktif",
]


def rows(on: datetime.date, within: Q | None = None) -> list[dict]:
    """One dict per KIM formed by ``on`` (voided ones excluded), with its state on ``on``;
    only those ``within`` a filter on the KIM (a reader's scope, ``Scope.q("desa__code")``)."""
    kims = (
        KIM.objects.formed_by(on)
        .filter(within or Q())
        .with_status_on(on)
        .for_table()
        .order_by("desa__code", "name")
    )
    return [
        {
            "kode_kecamatan": kim.desa.kecamatan.code,
            "nama_kecamatan": kim.desa.kecamatan.name,
            "kode_desa": kim.desa.code,
            "nama_desa": kim.desa.name,
            "nama_kim": kim.name,
            "tanggal_pembentukan": kim.formed_on.isoformat(),
            "tingkat": str(KIMLevel(kim.level_on).label),
            "aktif": bool(kim.active_on),
        }
        for kim in kims
    ]


def to_csv(on: datetime.date, within: Q | None = None) -> bytes:
    """The rows as CSV (``kimtracker.downloads.csv_bytes``: UTF-8 with a BOM, no cell a
    formula), ``aktif`` written ya/tidak."""
    written = ({**row, "aktif": "ya" if row["aktif"] else "tidak"} for row in rows(on, within))
    return csv_bytes([COLUMNS, *([row[column] for column in COLUMNS] for row in written)])


def to_json(on: datetime.date, within: Q | None = None) -> bytes:
    document = {"tanggal": on.isoformat(), "jumlah": 0, "kim": rows(on, within)}
    document["jumlah"] = len(document["kim"])
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
