"""The follow-up list for field work: per kecamatan, the KIM that need checking and the desa
without an active KIM, with the desa numbered into bimtek batches (``KIM_BIMTEK_BATCH_SIZE``
desa each) to plan visits and invitations. Rendered as a printable page and as XLSX
(``reports.xlsx``)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from villages.choices import DesaKind

from . import coverage, xlsx


@dataclass(frozen=True)
class KecamatanFollowUp:
    name: str
    code: str
    kim_to_check: list[coverage.KIMLine]
    desa_without_kim: list[tuple[int, coverage.DesaLine]]  # (bimtek batch number, desa)


@dataclass(frozen=True)
class FollowUp:
    on: datetime.date
    batch_size: int
    kecamatan: list[KecamatanFollowUp]

    @property
    def kim_to_check(self) -> int:
        return sum(len(k.kim_to_check) for k in self.kecamatan)

    @property
    def desa_without_kim(self) -> int:
        return sum(len(k.desa_without_kim) for k in self.kecamatan)

    @property
    def batches(self) -> int:
        return -(-self.desa_without_kim // self.batch_size) if self.batch_size else 0


def build(on: datetime.date, *, within: str = "", batch_size: int | None = None) -> FollowUp:
    """The follow-up list as of ``on``, optionally only ``within`` a wilayah (a kecamatan,
    kabupaten or provinsi code). Desa are numbered into batches in kecamatan order, so
    neighbouring desa share a bimtek. Two queries."""
    batch_size = batch_size or settings.KIM_BIMTEK_BATCH_SIZE
    kims = coverage.kim_needing_check(on, within=within)
    desa = coverage.desa_without_active_kim(on, within=within)
    groups: dict[str, dict] = defaultdict(lambda: {"kim": [], "desa": []})
    names = {}
    for kim in kims:
        groups[kim.desa.kecamatan.code]["kim"].append(kim)
        names[kim.desa.kecamatan.code] = kim.desa.kecamatan.name
    for number, item in enumerate(desa):
        groups[item.kecamatan.code]["desa"].append((number // batch_size + 1, item))
        names[item.kecamatan.code] = item.kecamatan.name
    return FollowUp(
        on=on,
        batch_size=batch_size,
        kecamatan=[
            KecamatanFollowUp(names[code], code, groups[code]["kim"], groups[code]["desa"])
            for code in sorted(groups)
        ],
    )


def to_xlsx(follow_up: FollowUp) -> bytes:
    """Two sheets: the KIM to check and the desa without an active KIM (with batch numbers)."""
    book = xlsx.Book(title=_("Tindak lanjut KIM"))
    book.table(
        _("KIM perlu verifikasi"),
        [
            _("Kecamatan"),
            _("Desa/kelurahan"),
            _("Kode desa"),
            _("KIM"),
            _("Dibentuk"),
            _("Kegiatan terakhir"),
        ],
        [20, 22, 16, 32, 12, 16],
        (
            [
                group.name,
                kim.desa.name,
                kim.desa.code,
                kim.name,
                kim.formed_on,
                kim.last_activity_on,
            ]
            for group in follow_up.kecamatan
            for kim in group.kim_to_check
        ),
    )
    kinds = {value: str(label) for value, label in DesaKind.choices}
    book.table(
        _("Desa tanpa KIM aktif"),
        [_("Angkatan bimtek"), _("Kecamatan"), _("Kode desa"), _("Desa/kelurahan"), _("Jenis")],
        [16, 20, 16, 24, 12],
        (
            [batch, group.name, desa.code, desa.name, kinds.get(desa.kind, desa.kind)]
            for group in follow_up.kecamatan
            for batch, desa in group.desa_without_kim
        ),
    )
    return book.close()


def filename(follow_up: FollowUp) -> str:
    return f"tindak-lanjut-{follow_up.on.isoformat()}.xlsx"
