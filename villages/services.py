"""Every write to the KIM registry: each function checks the user's right to it
(``villages.permissions``), validates (``full_clean``) and saves inside one transaction, and
records who did it and why in the KIM's history. Views, forms, the importer, commands and the
admin all write through here."""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from kimtracker import figure_cache, roles

from . import permissions, timeline
from .choices import KIMLevel
from .fields import KIM_DETAIL_FIELDS, PHONE_FIELDS, changed_fields
from .models import KIM, Desa, KIMActivity, KIMStatusChange
from .names import normalize_name
from .validators import normalize_phone

DUPLICATE_NAME = gettext_lazy("Sudah ada KIM dengan nama ini di desa/kelurahan ini.")


class ConcurrentEditError(ValidationError):
    """Someone else saved the KIM since the form was opened; ``changed`` lists what they
    changed (verbose field names), so nothing is overwritten silently."""

    def __init__(self, changed: list[str]):
        self.changed = changed
        super().__init__(
            _(
                "KIM ini telah diubah orang lain sejak formulir dibuka (%(fields)s). Muat ulang "
                "halaman, periksa perubahan mereka, lalu simpan lagi."
            )
            % {"fields": ", ".join(changed) or _("status")},
            code="concurrent_edit",
        )


def _check_detail_fields(details):
    unknown = set(details) - set(KIM_DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"unknown KIM fields: {sorted(unknown)}")


def _normalized_details(details: dict) -> dict:
    """The details with phone numbers in their one form (``validators.normalize_phone``), an
    unreadable one reported at its field: the admin and commands pass them as typed."""
    details, errors = dict(details), {}
    for field in PHONE_FIELDS:
        if details.get(field):
            try:
                details[field] = normalize_phone(details[field])
            except ValidationError as error:
                errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    return details


def _check_not_voided(kim: KIM):
    if kim.voided_at:
        raise ValidationError(_("KIM ini sudah dibatalkan dan tidak dapat diubah lagi."))


def _validate(kim: KIM):
    """``full_clean``, with the case-insensitive unique name rule (a database constraint with
    no field of its own) reported at the name, where the officer can fix it."""
    try:
        kim.full_clean()
    except ValidationError as error:
        errors = error.update_error_dict({})
        general = errors.get(NON_FIELD_ERRORS, [])
        duplicate = str(DUPLICATE_NAME)
        if any(duplicate in e.messages for e in general):
            errors[NON_FIELD_ERRORS] = [e for e in general if duplicate not in e.messages]
            errors.setdefault("name", []).append(ValidationError(DUPLICATE_NAME))
            errors = {field: messages for field, messages in errors.items() if messages}
        raise ValidationError(errors) from error


def _save(kim: KIM, *, by, reason: str, update_fields=None):
    """Save with history (who, why), turning the database's duplicate-name refusal (two
    registrations at the same moment) into the same message as ``full_clean``'s."""
    kim._history_user = by
    kim._change_reason = reason
    try:
        with transaction.atomic():
            kim.save(update_fields=update_fields)
    except IntegrityError as exc:
        if "kim_name_unique_in_desa" in str(exc) or "UNIQUE" in str(exc).upper():
            raise ValidationError({"name": DUPLICATE_NAME}) from exc
        raise


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
    reason: str = "",
    **details,
) -> KIM:
    """Register a KIM formed in ``desa`` on ``formed_on`` and open its status timeline with an
    entry on the formation date (initial level, active). Raises ``ValidationError`` and writes
    nothing when any rule is broken (duplicate name in the desa, future date, member count...),
    ``PermissionDenied`` when ``by`` may not register KIM there."""
    _check_detail_fields(details)
    permissions.check(by, desa, roles.PERM_ADD)
    details = _normalized_details(details)
    kim = KIM(
        desa=desa,
        name=normalize_name(name),
        formed_on=formed_on,
        level=level,
        is_active=True,
        is_demo=is_demo,
        **details,
    )
    _validate(kim)
    _save(kim, by=by, reason=reason or _("Pendaftaran KIM"))
    KIMStatusChange.objects.create(
        kim=kim,
        effective_on=formed_on,
        level=level,
        is_active=True,
        note=note or _("Pembentukan KIM"),
        recorded_by=by,
    )
    timeline.refresh_kim(kim.pk)
    return kim


def _changed_since(kim: KIM, version: int) -> list[str]:
    """Verbose names of the fields changed after ``version``, from the history."""
    old = kim.history.filter(version=version).order_by("-history_date").first()
    current = kim.history.order_by("-history_date").first()
    return changed_fields(current, old)


@transaction.atomic
def update_kim(
    *,
    kim: KIM,
    by,
    expected_version: int | None = None,
    name: str | None = None,
    desa: Desa | None = None,
    formed_on: datetime.date | None = None,
    reason: str = "",
    **details,
) -> KIM:
    """Change a KIM's identity or details (not its level or active flag: see
    ``record_status_change``). With ``expected_version`` (the version the user's form was built
    from) a save after someone else's is refused with ``ConcurrentEditError``. Saving the same
    values again changes nothing (no history entry), so re-imports are idempotent."""
    _check_detail_fields(details)
    kim = KIM.objects.select_for_update(of=("self",)).select_related("desa").get(pk=kim.pk)
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_EDIT)
    if expected_version is not None and expected_version != kim.version:
        raise ConcurrentEditError(_changed_since(kim, expected_version))
    if desa is not None and desa != kim.desa:
        permissions.check(by, desa, roles.PERM_EDIT)

    new_values = _normalized_details(details)
    if name is not None:
        new_values["name"] = normalize_name(name)
    if desa is not None:
        new_values["desa"] = desa
    if formed_on is not None:
        new_values["formed_on"] = formed_on
    changed = {f: v for f, v in new_values.items() if getattr(kim, f) != v}
    if not changed:
        return kim

    if "formed_on" in changed:
        first_later = (
            kim.status_changes.exclude(effective_on=kim.formed_on)
            .order_by("effective_on")
            .values_list("effective_on", flat=True)
            .first()
        )
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
    for field, value in changed.items():
        setattr(kim, field, value)
    kim.version += 1
    _validate(kim)
    _save(kim, by=by, reason=reason or _("Perubahan data KIM"))
    if "formed_on" in changed or "desa" in changed:
        timeline.refresh_kim(kim.pk)
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
    kim = KIM.objects.select_for_update(of=("self",)).select_related("desa").get(pk=kim.pk)
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_STATUS)
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
    kim.version += 1
    _validate(kim)
    _save(
        kim,
        by=by,
        reason=note or _("Perubahan status"),
        update_fields=["level", "is_active", "inactive_since", "version", "updated_at"],
    )
    timeline.refresh_kim(kim.pk)
    return change


@transaction.atomic
def void_kim(*, kim: KIM, reason: str, by) -> KIM:
    """Void a KIM registered by mistake: it then counts in no figure, stays in the history with
    the reason, and its name may be registered again in the desa. Only the superuser deletes."""
    kim = KIM.objects.select_for_update(of=("self",)).select_related("desa").get(pk=kim.pk)
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_VOID)
    if not (reason or "").strip():
        raise ValidationError({"void_reason": _("Tuliskan alasan pembatalan.")})
    kim.voided_at = timezone.now()
    kim.void_reason = reason.strip()
    kim.version += 1
    _validate(kim)
    _save(kim, by=by, reason=_("Pembatalan: %(reason)s") % {"reason": kim.void_reason})
    timeline.refresh_kim(kim.pk)
    return kim


@transaction.atomic
def delete_kim(*, kim: KIM, by) -> None:
    """Delete a KIM and its whole timeline for good (the superuser, in the admin; officers
    void instead). Its figures go with it."""
    kim = KIM.objects.select_for_update().get(pk=kim.pk)
    if not (by and by.is_superuser):
        raise PermissionDenied
    timeline.refresh_kim(kim.pk, removing=True)
    kim._history_user = by
    kim.delete()


@transaction.atomic
def record_activity(
    *, kim: KIM, occurred_on: datetime.date, kind: str, description: str, by, link: str = ""
) -> KIMActivity:
    """Record something the KIM did on ``occurred_on``. Refuses a date in the future or before
    formation, an unknown kind, an empty description, the same activity twice, and a voided
    KIM; checks the officer's role and kecamatan."""
    kim = KIM.objects.select_related("desa").get(pk=kim.pk)
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_ACTIVITY)
    activity = KIMActivity(
        kim=kim,
        occurred_on=occurred_on,
        kind=kind,
        description=(description or "").strip(),
        link=(link or "").strip(),
        recorded_by=by,
    )
    activity.full_clean()
    activity._history_user = by
    activity.save()
    return activity


@transaction.atomic
def record_activities(*, kim: KIM, activities: list[dict], by) -> list[KIMActivity]:
    """Record many activities of one KIM at once (imports, the demo): the same rules as
    ``record_activity``, checked row by row before anything is written; one query for the
    duplicates, one bulk insert with history."""
    kim = KIM.objects.select_related("desa").get(pk=kim.pk)
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_ACTIVITY)
    existing = set(kim.activities.values_list("occurred_on", "kind", "description"))
    rows = []
    for values in activities:
        activity = KIMActivity(
            kim=kim,
            occurred_on=values["occurred_on"],
            kind=values["kind"],
            description=(values.get("description") or "").strip(),
            link=(values.get("link") or "").strip(),
            recorded_by=by,
        )
        activity.full_clean(exclude=["kim", "recorded_by"], validate_constraints=False)
        key = (activity.occurred_on, activity.kind, activity.description)
        if key in existing:
            raise ValidationError(_("Kegiatan yang sama sudah tercatat."))
        existing.add(key)
        rows.append(activity)
    created = bulk_create_with_history(rows, KIMActivity, default_user=by)
    figure_cache.invalidate()  # a bulk insert sends no post_save
    return created
