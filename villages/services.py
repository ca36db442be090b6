"""Every write to the KIM registry: each function validates (``full_clean``) and saves inside one
transaction, and records who did it, so views, forms, commands and the admin share one path."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .choices import KIMLevel
from .models import KIM, Desa, KIMStatusChange

# Fields an officer may set when registering or editing a KIM. Level and active flag are not
# among them: they change only through dated status changes.
KIM_DETAIL_FIELDS = (
    "sk_number",
    "sk_date",
    "sk_issuer",
    "chair_name",
    "chair_phone",
    "secretary_name",
    "secretary_phone",
    "treasurer_name",
    "treasurer_phone",
    "member_count",
    "address",
    "email",
    "website",
    "facebook",
    "instagram",
    "youtube",
)


def _check_detail_fields(details):
    unknown = set(details) - set(KIM_DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"unknown KIM fields: {sorted(unknown)}")


@transaction.atomic
def register_kim(
    *,
    desa: Desa,
    name: str,
    formed_on: datetime.date,
    by,
    level: str = KIMLevel.PEMULA,
    is_demo: bool = False,
    note: str = "",
    **details,
) -> KIM:
    """Register a KIM formed in ``desa`` on ``formed_on`` and open its status timeline with an
    entry on the formation date (initial level, active). Raises ``ValidationError`` and writes
    nothing when any rule is broken (duplicate name in the desa, future date, member count...)."""
    _check_detail_fields(details)
    kim = KIM(
        desa=desa,
        name=(name or "").strip(),
        formed_on=formed_on,
        level=level,
        is_active=True,
        is_demo=is_demo,
        **details,
    )
    kim.full_clean()
    kim._history_user = by
    kim._change_reason = _("Pendaftaran KIM")
    kim.save()
    KIMStatusChange.objects.create(
        kim=kim,
        effective_on=formed_on,
        level=level,
        is_active=True,
        note=note or _("Pembentukan KIM"),
        recorded_by=by,
    )
    return kim


@transaction.atomic
def update_kim(
    *,
    kim: KIM,
    by,
    name: str | None = None,
    desa: Desa | None = None,
    formed_on: datetime.date | None = None,
    **details,
) -> KIM:
    """Change a KIM's identity or details (not its level or active flag: see
    ``record_status_change``). The formation date cannot move past the first status change."""
    _check_detail_fields(details)
    kim = KIM.objects.select_for_update().get(pk=kim.pk)
    if name is not None:
        kim.name = name.strip()
    if desa is not None:
        kim.desa = desa
    if formed_on is not None and formed_on != kim.formed_on:
        later = kim.status_changes.exclude(effective_on=kim.formed_on)
        first_later = later.order_by("effective_on").values_list("effective_on", flat=True).first()
        if first_later and formed_on > first_later:
            raise ValidationError(
                {
                    "formed_on": _(
                        "Tanggal pembentukan tidak boleh setelah perubahan status pertama "
                        "(%(date)s)."
                    )
                    % {"date": first_later.isoformat()}
                }
            )
        # The opening entry of the timeline moves with the formation date.
        kim.status_changes.filter(effective_on=kim.formed_on).update(effective_on=formed_on)
        kim.formed_on = formed_on
    for field, value in details.items():
        setattr(kim, field, value)
    kim.full_clean()
    kim._history_user = by
    kim._change_reason = _("Perubahan data KIM")
    kim.save()
    return kim


def status_on(kim: KIM, on: datetime.date) -> tuple[str, bool, datetime.date | None]:
    """The (level, active, inactive since) in force for ``kim`` on ``on``, from its timeline;
    ("", False, None) before the KIM was formed."""
    level, active, inactive_since = "", False, None
    for change in kim.status_changes.filter(effective_on__lte=on).order_by("effective_on", "id"):
        if change.level:
            level = change.level
        if change.is_active is not None:
            if change.is_active:
                inactive_since = None
            elif active:
                inactive_since = change.effective_on
            active = change.is_active
    return level, active, inactive_since


def check_changes_something(*, kim: KIM, effective_on, level: str, is_active: bool | None):
    """Refuse a status entry that leaves the KIM as it already was on ``effective_on``."""
    before_level, before_active, _since = status_on(kim, effective_on)
    if (not level or level == before_level) and (is_active is None or is_active == before_active):
        raise ValidationError(
            _("Status ini sudah berlaku pada tanggal tersebut; tidak ada yang berubah.")
        )


@transaction.atomic
def record_status_change(
    *,
    kim: KIM,
    effective_on: datetime.date,
    by,
    level: str = "",
    is_active: bool | None = None,
    note: str = "",
) -> KIMStatusChange:
    """Record that from ``effective_on`` the KIM has ``level`` and/or ``is_active``; the entry is
    kept forever. The KIM row's current level and active flag are then recomputed from the whole
    timeline, so a back-dated entry leaves them right too. Refuses an entry before formation, in
    the future, or one that changes nothing on its date."""
    kim = KIM.objects.select_for_update().get(pk=kim.pk)
    change = KIMStatusChange(
        kim=kim,
        effective_on=effective_on,
        level=level or "",
        is_active=is_active,
        note=note,
        recorded_by=by,
    )
    change.full_clean()
    check_changes_something(kim=kim, effective_on=effective_on, level=level, is_active=is_active)
    change.save()

    level_now, active_now, inactive_since = status_on(kim, datetime.date.max)
    kim.level, kim.is_active, kim.inactive_since = level_now, active_now, inactive_since
    kim.full_clean()
    kim._history_user = by
    kim._change_reason = note or _("Perubahan status")
    kim.save(update_fields=["level", "is_active", "inactive_since", "updated_at"])
    return change
