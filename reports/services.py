"""Writes of the reports app: targets."""

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Target


@transaction.atomic
def set_target(*, year: int, kim_count: int, by, note: str = "") -> Target:
    """Create or change the target of ``year``; the previous value stays in the history."""
    target = Target.objects.select_for_update().filter(year=year).first() or Target(year=year)
    target.kim_count = kim_count
    target.note = note
    target.full_clean()
    target._history_user = by
    target._change_reason = _("Penetapan target")
    target.save()
    return target
