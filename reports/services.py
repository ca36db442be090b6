"""Writes of the reports app: targets."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from villages import scope
from villages.models import Kabupaten, Provinsi

from .models import Target


def check_target_wilayah(code: str, by) -> str:
    """``code`` stripped, when it names a kabupaten/kota or provinsi in the database ("" the
    whole database) within the scope of ``by`` (None: the system); else ``ValidationError``."""
    code = (code or "").strip()
    model = {2: Provinsi, 5: Kabupaten}.get(len(code))
    if code and (model is None or not model.objects.filter(code=code).exists()):
        raise ValidationError(
            _("Wilayah %(code)s tidak ada; target ditetapkan untuk kabupaten/kota atau provinsi.")
            % {"code": code}
        )
    if not scope.of(by).contains(code):
        raise ValidationError(_("Anda hanya dapat menetapkan target untuk wilayah kerja Anda."))
    return code


@transaction.atomic
def set_target(*, year: int, kim_count: int, by, note: str = "", wilayah_code: str = "") -> Target:
    """Create or change the target of ``year`` for ``wilayah_code`` (a kabupaten/kota or
    provinsi code within the scope of ``by``; "" the whole database); the previous value
    stays in the history."""
    wilayah_code = check_target_wilayah(wilayah_code, by)
    target = Target.objects.select_for_update().filter(
        year=year, wilayah_code=wilayah_code
    ).first() or Target(year=year, wilayah_code=wilayah_code)
    target.kim_count = kim_count
    target.note = note
    target.full_clean()
    target._history_user = by
    target._change_reason = _("Penetapan target")
    target.save()
    return target
