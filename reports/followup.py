"""The follow-up list for field work: per kecamatan, the KIM that need checking and the desa
without an active KIM, with the desa numbered into bimtek batches (``KIM_BIMTEK_BATCH_SIZE``
desa each) to plan visits and invitations. Rendered as a printable page and as XLSX."""

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from villages.models import KIM, Desa

from . import coverage


@dataclass(frozen=True)
class KecamatanFollowUp:
    name: str
    code: str
    kim_to_check: list[KIM]
    desa_without_kim: list[tuple[int, Desa]]  # (bimtek batch number, desa)


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


def build(
    on: datetime.date, *, kecamatan_code: str | None = None, batch_size: int | None = None
) -> FollowUp:
    """The follow-up list as of ``on`` (optionally one kecamatan). Desa are numbered into
    batches in kecamatan order, so neighbouring desa share a bimtek. Two queries."""
    batch_size = batch_size or settings.KIM_BIMTEK_BATCH_SIZE
    kims = coverage.kim_needing_check(on)
    desa = (
        Desa.objects.with_coverage(on)
        .filter(is_covered=False)
        .for_table()
        .order_by("kecamatan__code", "code")
    )
    if kecamatan_code:
        kims = [k for k in kims if k.desa.kecamatan.code == kecamatan_code]
        desa = desa.filter(kecamatan__code=kecamatan_code)
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
    workbook = Workbook()
    kim_sheet = workbook.active
    kim_sheet.title = _("KIM perlu verifikasi")[:31]
    kim_sheet.append(
        [
            _("Kecamatan"),
            _("Desa/kelurahan"),
            _("Kode desa"),
            _("KIM"),
            _("Dibentuk"),
            _("Kegiatan terakhir"),
        ]
    )
    for group in follow_up.kecamatan:
        for kim in group.kim_to_check:
            kim_sheet.append(
                [
                    group.name,
                    kim.desa.name,
                    kim.desa.code,
                    kim.name,
                    kim.formed_on,
                    kim.last_activity_on,
                ]
            )
    desa_sheet = workbook.create_sheet(_("Desa tanpa KIM aktif")[:31])
    desa_sheet.append(
        [_("Angkatan bimtek"), _("Kecamatan"), _("Kode desa"), _("Desa/kelurahan"), _("Jenis")]
    )
    for group in follow_up.kecamatan:
        for batch, desa in group.desa_without_kim:
            desa_sheet.append(
                [batch, group.name, desa.code, desa.name, str(desa.get_kind_display())]
            )
    for sheet, widths in (
        (kim_sheet, [20, 22, 16, 32, 12, 16]),
        (desa_sheet, [16, 20, 16, 24, 12]),
    ):
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, datetime.date):
                    cell.number_format = "DD/MM/YYYY"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(follow_up: FollowUp) -> str:
    return f"tindak-lanjut-{follow_up.on.isoformat()}.xlsx"
