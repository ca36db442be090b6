"""Every write to the KIM registry: each function checks the user's right to it
(``villages.permissions``), validates (``full_clean``) and saves inside one transaction, and
records who did it and why in the KIM's history. Views, forms, the importer, commands and the
admin all write through here."""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from kimtracker import figure_cache, roles

from . import periods, permissions, timeline
from .choices import KIMLevel
from .fields import KIM_DETAIL_FIELDS, PHONE_FIELDS, changed_fields
from .models import KIM, Desa, KIMActivity, KIMStatusChange
from .names import normalize_name
from .validators import normalize_phone

# KIM per query and per INSERT or UPDATE of the bulk services.
BULK_CHUNK = 500

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


def _stored_by_key(model, keys) -> dict:
    """The rows of ``model`` already stored under these device keys (``client_key``), by key:
    an offline entry sent again, which must not be written twice."""
    keys = {key for key in keys if key}
    if not keys:
        return {}
    return {row.client_key: row for row in model.objects.filter(client_key__in=keys)}


def _is_key_clash(exc: IntegrityError) -> bool:
    """Whether the database refused a second row with the same device key (two sends of one
    offline entry at the same moment)."""
    return "client_key" in str(exc)


@contextmanager
def _duplicate_name_refused():
    """The database's refusal of a duplicate name in a desa (two registrations at the same
    moment, which the checks before the write cannot see) as ``full_clean``'s message."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if _is_key_clash(exc):
            raise
        if "kim_name_unique_in_desa" in str(exc) or "UNIQUE" in str(exc).upper():
            raise ValidationError({"name": DUPLICATE_NAME}) from exc
        raise


def _save(kim: KIM, *, by, reason: str, update_fields=None):
    """Save with history (who, why)."""
    kim._history_user = by
    kim._change_reason = reason
    with _duplicate_name_refused():
        kim.save(update_fields=update_fields)


def build_kim(
    *,
    desa: Desa,
    name: str,
    formed_on: datetime.date,
    by,
    level: str = KIMLevel.PEMULA,
    is_demo: bool = False,
    client_key=None,
    **details,
) -> KIM:
    """The KIM ``register_kims`` would register, unsaved, checked against every rule that needs
    no query: the user's right to register in ``desa``, the name and phone numbers in their one
    form, every field's rule (dates, lengths, one script, member count, level). With these
    checks a new KIM (active, not voided) meets every check constraint of ``KIM.Meta``; the
    one rule left, a name unique in its desa, ``register_kims`` checks for all its KIM in one
    query. Raises ``ValidationError`` or ``PermissionDenied``; writes nothing."""
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
        client_key=client_key,
        **details,
    )
    kim.full_clean(exclude=["desa"], validate_unique=False, validate_constraints=False)
    return kim


def check_registrations(entries: list[dict], *, by) -> tuple[dict[int, KIM], dict[int, Exception]]:
    """Check what ``register_kims`` would register, without writing: each entry through
    ``build_kim``, then the names against those of the KIM of their desa and of the entries
    before them (ignoring case), in one query. Returns, by entry index, the KIM built from each
    entry that passes and the ``ValidationError`` or ``PermissionDenied`` of each that does
    not; an import's preview shows them all."""
    built: dict[int, KIM] = {}
    errors: dict[int, Exception] = {}
    for index, entry in enumerate(entries):
        entry = {key: value for key, value in entry.items() if key != "note"}
        try:
            built[index] = build_kim(by=by, **entry)
        except (ValidationError, PermissionDenied) as error:
            errors[index] = error
    taken = {
        (desa_id, name.lower())
        for desa_id, name in KIM.objects.counted()
        .filter(desa_id__in={kim.desa_id for kim in built.values()})
        .values_list("desa_id", "name")
    }
    for index, kim in built.items():
        key = (kim.desa_id, kim.name.lower())
        if key in taken:
            errors[index] = ValidationError({"name": DUPLICATE_NAME})
        taken.add(key)
    return {index: kim for index, kim in built.items() if index not in errors}, errors


@transaction.atomic
def register_kims(entries: list[dict], *, by, reason: str = "") -> list[KIM]:
    """Register many KIM at once (one from a form, thousands from an import): each entry holds
    ``build_kim``'s keywords and optionally ``note``, the note of the opening entry of its
    status timeline (on the formation date: initial level, active). Every entry is checked
    (``check_registrations``) before anything is written; when one is refused, the first
    refusal is raised (``ValidationError`` or ``PermissionDenied``, with ``entry``, its index)
    and nothing is written. Then one bulk insert of the KIM with their history (who,
    ``reason``), one of their opening status entries, and the figures of each kecamatan touched
    recounted once.

    An entry may carry ``client_key``, the key an officer's device made for an offline entry:
    an entry whose key is already stored is the same registration sent again, so its stored KIM
    is returned in its place and nothing is written for it."""
    stored = _stored_by_key(KIM, (entry.get("client_key") for entry in entries))
    if stored:
        fresh = [i for i, entry in enumerate(entries) if entry.get("client_key") not in stored]
        made = iter(register_kims([entries[i] for i in fresh], by=by, reason=reason))
        return [
            stored[entry["client_key"]] if entry.get("client_key") in stored else next(made)
            for entry in entries
        ]
    built, errors = check_registrations(entries, by=by)
    if errors:
        index = min(errors)
        errors[index].entry = index
        raise errors[index]
    if not built:
        return []
    kims = [built[index] for index in range(len(entries))]
    periods.check(by, ((kim.desa_id, kim.formed_on) for kim in kims), reason)
    try:
        with _duplicate_name_refused():
            kims = bulk_create_with_history(
                kims,
                KIM,
                batch_size=BULK_CHUNK,
                default_user=by,
                default_change_reason=reason or _("Pendaftaran KIM"),
            )
    except (IntegrityError, ValidationError):
        # The same offline entry arrived twice at once and the other send won (the database
        # refuses this one on the key, or first on the name): its KIM is stored now, so this
        # send returns it.
        if not _stored_by_key(KIM, (entry.get("client_key") for entry in entries)):
            raise
        return register_kims(entries, by=by, reason=reason)
    KIMStatusChange.objects.bulk_create(
        [
            KIMStatusChange(
                kim=kim,
                effective_on=kim.formed_on,
                level=kim.level,
                is_active=True,
                note=entry.get("note") or _("Pembentukan KIM"),
                recorded_by=by,
            )
            for kim, entry in zip(kims, entries, strict=True)
        ],
        batch_size=BULK_CHUNK,
    )
    timeline.refresh_kims([kim.pk for kim in kims])
    figure_cache.invalidate()  # a bulk insert sends no post_save
    return kims


def register_kim(*, by, reason: str = "", **entry) -> KIM:
    """Register one KIM formed in ``desa`` on ``formed_on`` (``build_kim``'s keywords, and
    ``note``): ``register_kims`` for one entry. Raises ``ValidationError`` and writes nothing
    when any rule is broken (duplicate name in the desa, future date, member count...),
    ``PermissionDenied`` when ``by`` may not register KIM there."""
    return register_kims([entry], by=by, reason=reason)[0]


def _changed_since(kim: KIM, version: int) -> list[str]:
    """Verbose names of the fields changed after ``version``, from the history."""
    old = kim.history.filter(version=version).order_by("-history_date").first()
    current = kim.history.order_by("-history_date").first()
    return changed_fields(current, old)


def kim_changes(kim: KIM, *, name=None, desa=None, formed_on=None, **details) -> dict:
    """The fields an update with these values would change, with their new values (name and
    phone numbers in their one form); None leaves a field as it is. Queries nothing."""
    _check_detail_fields(details)
    new_values = _normalized_details(details)
    if name is not None:
        new_values["name"] = normalize_name(name)
    if desa is not None:
        new_values["desa"] = desa
    if formed_on is not None:
        new_values["formed_on"] = formed_on
    return {f: v for f, v in new_values.items() if getattr(kim, f) != v}


class KIMUpdate(NamedTuple):
    """One checked update: the KIM as stored (locked when ``update_kims`` writes it) with the
    changes applied, and ``changed``, the fields changed with their new values (empty: nothing
    changes)."""

    kim: KIM
    changed: dict


def _chunks(items: list) -> Iterator[list]:
    """``items`` in slices of ``BULK_CHUNK``: the bulk services read and update per slice (an
    IN list of 500; SQLite holds at most 999 parameters in a statement)."""
    for start in range(0, len(items), BULK_CHUNK):
        yield items[start : start + BULK_CHUNK]


def _stored_kims(pks, *, lock: bool) -> dict[int, KIM]:
    query = KIM.objects.select_related("desa__kecamatan").order_by("pk")
    if lock:
        query = query.select_for_update(of=("self",))
    pks = sorted(set(pks))
    kims = {}
    for chunk in _chunks(pks):
        kims.update((kim.pk, kim) for kim in query.filter(pk__in=chunk))
    return kims


def _first_later_changes(kims: list[KIM]) -> dict[int, datetime.date]:
    """The date of each KIM's first status entry after its opening one, for those that have
    one: one query per ``BULK_CHUNK`` KIM."""
    formed_on = {kim.pk: kim.formed_on for kim in kims}
    pks, first = sorted(formed_on), {}
    for chunk in _chunks(pks):
        for kim_id, effective_on in KIMStatusChange.objects.filter(kim_id__in=chunk).values_list(
            "kim_id", "effective_on"
        ):
            if effective_on != formed_on[kim_id]:
                first[kim_id] = min(effective_on, first.get(kim_id, effective_on))
    return first


def _check_update(kim: KIM, update: dict, *, by) -> dict:
    """What one update changes (``kim_changes``), after the rules that need no query but the
    history's (voided, the user's rights in the old and new desa, the version)."""
    update = dict(update)
    expected_version = update.pop("expected_version", None)
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_EDIT)
    if expected_version is not None and expected_version != kim.version:
        raise ConcurrentEditError(_changed_since(kim, expected_version))
    desa = update.get("desa")
    if desa is not None and desa != kim.desa:
        permissions.check(by, desa, roles.PERM_EDIT)
    return kim_changes(kim, **update)


def check_updates(
    updates: list[dict], *, by, lock: bool = False
) -> tuple[dict[int, KIMUpdate], dict[int, Exception]]:
    """Check what ``update_kims`` would change, without writing: by update index, the
    ``KIMUpdate`` of each update that passes and the ``ValidationError``, ``ConcurrentEditError``
    or ``PermissionDenied`` of each that does not. The KIM are read again from the database
    (``lock``: locked until the transaction ends), in a few queries for thousands."""
    stored = _stored_kims([update["kim"].pk for update in updates], lock=lock)
    checked: dict[int, KIMUpdate] = {}
    errors: dict[int, Exception] = {}
    for index, update in enumerate(updates):
        update = dict(update)
        kim = stored.get(update.pop("kim").pk)
        try:
            if kim is None:
                raise ValidationError(_("KIM ini sudah dihapus."))
            checked[index] = KIMUpdate(kim, _check_update(kim, update, by=by))
        except (ValidationError, PermissionDenied) as error:
            errors[index] = error
    first_later = _first_later_changes(
        [c.kim for c in checked.values() if "formed_on" in c.changed]
    )
    for index, (kim, changed) in checked.items():
        if not changed:
            continue
        later = first_later.get(kim.pk)
        if "formed_on" in changed and later and changed["formed_on"] > later:
            errors[index] = ValidationError(
                {
                    "formed_on": _(
                        "Tanggal pembentukan tidak boleh setelah perubahan status pertama "
                        "(%(date)s)."
                    )
                    % {"date": later.isoformat()}
                }
            )
            continue
        for field, value in changed.items():
            setattr(kim, field, value)
        kim.version += 1
        try:
            # With these checks an update of a KIM's identity or details keeps every check
            # constraint of ``KIM.Meta``; the unique name is checked below for all at once.
            kim.full_clean(exclude=["desa"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors[index] = error
    renamed = {
        index: kim
        for index, (kim, changed) in checked.items()
        if index not in errors and {"name", "desa"} & changed.keys()
    }
    if renamed:
        taken = {
            (desa_id, name.lower()): pk
            for pk, desa_id, name in KIM.objects.counted()
            .filter(desa_id__in={kim.desa_id for kim in renamed.values()})
            .values_list("pk", "desa_id", "name")
        }
        for index, kim in renamed.items():
            if taken.get((kim.desa_id, kim.name.lower()), kim.pk) != kim.pk:
                errors[index] = ValidationError({"name": DUPLICATE_NAME})
    return {index: c for index, c in checked.items() if index not in errors}, errors


# A field set to more distinct values than this share of its KIM is written by ``bulk_update``
# (a CASE branch per KIM), else one UPDATE per value.
_VALUES_PER_KIM = 0.25


def _write_changes(changed: list[KIMUpdate], now) -> None:
    """Write the changes, field by field: a field set to a few values (a corrected member count
    shared by thousands of KIM) in one UPDATE per value, one set to many (a phone number of
    each KIM's own) with ``bulk_update`` (slower per KIM, but few statements), and the
    versions in one UPDATE; each per ``BULK_CHUNK`` KIM. Never one statement per KIM."""
    by_field: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for c in changed:
        for field, value in c.changed.items():
            by_field[field][value].append(c.kim)
    by_field["version"][None] = [c.kim for c in changed]
    for field, groups in by_field.items():
        if len(groups) > _VALUES_PER_KIM * sum(len(kims) for kims in groups.values()):
            kims = [kim for group in groups.values() for kim in group]
            KIM.objects.bulk_update(kims, [field], batch_size=BULK_CHUNK)
            continue
        for value, kims in groups.items():
            values = (
                {"version": F("version") + 1, "updated_at": now}
                if field == "version"
                else {field: value}
            )
            for chunk in _chunks(kims):
                KIM.objects.filter(pk__in=[kim.pk for kim in chunk]).update(**values)


def _opening_entries(kims: list[KIM]) -> list[int]:
    """The ids of the entries on these KIM's formation dates as stored (their timelines' opening
    entries): one query per ``BULK_CHUNK`` KIM."""
    pks, ids = [kim.pk for kim in kims], []
    for chunk in _chunks(pks):
        ids += KIMStatusChange.objects.filter(
            kim_id__in=chunk, effective_on=F("kim__formed_on")
        ).values_list("pk", flat=True)
    return ids


def _move_to_formation_dates(entry_ids: list[int]) -> None:
    """Set these status entries to their KIM's formation date: one UPDATE per ``BULK_CHUNK``."""
    formed_on = KIM.objects.filter(pk=OuterRef("kim_id")).values("formed_on")[:1]
    for chunk in _chunks(entry_ids):
        KIMStatusChange.objects.filter(pk__in=chunk).update(effective_on=Subquery(formed_on))


@transaction.atomic
def update_kims(updates: list[dict], *, by, reason: str = "") -> list[KIMUpdate]:
    """Change the identity or details of many KIM at once (one from a form, thousands from an
    import), not their level or active flag (see ``record_status_change``). Each update holds
    ``kim`` and the fields to change (``name``, ``desa``, ``formed_on``, details; None or
    absent leaves a field as it is) and optionally ``expected_version``, the version the
    user's form was built from: a save after someone else's is then refused with
    ``ConcurrentEditError``. Every update is checked (``check_updates``) before anything is
    written; the first refused is raised, with ``entry``, its index, and nothing is written.
    An update that changes no value writes nothing (no new version, no history entry), so
    re-imports are idempotent. Returns the ``KIMUpdate`` of each update, in order."""
    # The KIM as the caller read them: where and when they stood before the update.
    before = [(update["kim"].desa_id, update["kim"].formed_on) for update in updates]
    checked, errors = check_updates(updates, by=by, lock=True)
    if errors:
        index = min(errors)
        errors[index].entry = index
        raise errors[index]
    changed = [c for c in checked.values() if c.changed]
    reported = [
        index for index, c in checked.items() if {"name", "formed_on", "desa"} & c.changed.keys()
    ]
    periods.check(
        by,
        [before[index] for index in reported]
        + [(checked[index].kim.desa_id, checked[index].kim.formed_on) for index in reported],
        reason,
    )
    if changed:
        now = timezone.now()
        for c in changed:
            c.kim.updated_at = now
        # The opening entry of a timeline moves with the formation date.
        opening = _opening_entries([c.kim for c in changed if "formed_on" in c.changed])
        with _duplicate_name_refused():
            _write_changes(changed, now)
        _move_to_formation_dates(opening)
        KIM.history.bulk_history_create(
            [c.kim for c in changed],
            batch_size=BULK_CHUNK,
            update=True,
            default_user=by,
            default_change_reason=reason or _("Perubahan data KIM"),
        )
        timeline.refresh_kims(c.kim.pk for c in changed if {"formed_on", "desa"} & c.changed.keys())
        figure_cache.invalidate()  # a bulk update sends no post_save
    return [checked[index] for index in range(len(updates))]


def update_kim(*, kim: KIM, by, reason: str = "", **update) -> KIM:
    """Change one KIM's identity or details: ``update_kims`` for one update (``expected_version``
    and the fields as keywords). Returns the KIM as saved."""
    return update_kims([{"kim": kim, **update}], by=by, reason=reason)[0].kim


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


def _stored_resend(model, client_key, *, kim: KIM):
    """The entry of ``kim`` stored under ``client_key`` (an offline entry sent again), or None.
    The same key on another KIM's entry is refused: a device key names one entry only."""
    if not client_key:
        return None
    stored = model.objects.filter(client_key=client_key).first()
    if stored is not None and stored.kim_id != kim.pk:
        raise ValidationError(
            _("Kunci entri ini sudah dipakai untuk KIM lain; buka formulir baru dan isi lagi.")
        )
    return stored


@transaction.atomic
def record_status_change(
    *,
    kim: KIM,
    effective_on: datetime.date,
    by,
    level: str = "",
    is_active: bool | None = None,
    note: str = "",
    client_key=None,
) -> KIMStatusChange:
    """Record that from ``effective_on`` the KIM has ``level`` and/or ``is_active``; the entry is
    kept forever. The KIM row's current level and active flag are then recomputed from the whole
    timeline, so a back-dated entry leaves them right too. Refuses an entry before formation, in
    the future, or one that changes nothing on its date. A ``client_key`` already stored (an
    offline entry sent again) returns the stored entry and writes nothing."""
    kim = KIM.objects.select_for_update(of=("self",)).select_related("desa").get(pk=kim.pk)
    stored = _stored_resend(KIMStatusChange, client_key, kim=kim)
    if stored:
        return stored
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_STATUS)
    periods.check(by, [(kim.desa_id, effective_on)], note)
    change = KIMStatusChange(
        kim=kim,
        effective_on=effective_on,
        level=level or "",
        is_active=is_active,
        note=note,
        recorded_by=by,
        client_key=client_key or None,
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


def _state_after(entries: list[tuple]) -> tuple[str, bool, datetime.date | None]:
    """``status_on`` from timeline entries in memory: (effective_on, order, level, is_active),
    each applied in (effective_on, order) order."""
    level, active, inactive_since = "", False, None
    for effective_on, _order, entry_level, entry_active in sorted(entries, key=lambda e: e[:2]):
        if entry_level:
            level = entry_level
        if entry_active is not None:
            if entry_active:
                inactive_since = None
            elif active:
                inactive_since = effective_on
            active = entry_active
    return level, active, inactive_since


# The order of a new entry among its day's entries: after every stored one (ids are smaller).
_AFTER_STORED = 2**62


@transaction.atomic
def record_status_changes(changes: list[dict], *, by, reason: str = "") -> list[KIMStatusChange]:
    """Record many dated status entries at once (the demo of a province: thousands of levels
    reached and deactivations), with the rules of ``record_status_change`` for each: ``kim``,
    ``effective_on``, ``level`` and/or ``is_active``, ``note``. Each entry is checked, in the
    order given, against its KIM's timeline with the entries before it, exactly as that many
    calls one after the other would; the first refused is raised (with ``entry``, its index)
    and nothing is written. Then the KIM (locked) get their level and active flag again from
    their whole timelines, one history entry each (who, ``reason`` or the entries' note), and
    the figures are recounted once for them all: a few queries per ``BULK_CHUNK`` KIM instead
    of a dozen per entry. Offline keys are not taken: a device sends one entry at a time."""
    if not changes:
        return []
    kims = _stored_kims([change["kim"].pk for change in changes], lock=True)
    timelines: dict[int, list[tuple]] = defaultdict(list)
    pks = sorted(kims)
    for chunk in _chunks(pks):
        for kim_id, pk, effective_on, level, is_active in KIMStatusChange.objects.filter(
            kim_id__in=chunk
        ).values_list("kim_id", "pk", "effective_on", "level", "is_active"):
            timelines[kim_id].append((effective_on, pk, level, is_active))
    rows, writes_by_note = [], defaultdict(list)
    for index, values in enumerate(changes):
        kim = kims.get(values["kim"].pk)
        level, is_active = values.get("level") or "", values.get("is_active")
        try:
            if kim is None:
                raise ValidationError(_("KIM ini sudah dihapus."))
            _check_not_voided(kim)
            permissions.check(by, kim.desa, roles.PERM_STATUS)
            change = KIMStatusChange(
                kim=kim,
                effective_on=values["effective_on"],
                level=level,
                is_active=is_active,
                note=values.get("note", ""),
                recorded_by=by,
            )
            # The rules of the fields and ``clean``; the constraints (a level or an active flag,
            # a known level) follow from the check below and the field's choices.
            change.full_clean(
                exclude=["kim", "recorded_by"], validate_unique=False, validate_constraints=False
            )
            # New entries come after the stored ones of their day, as their later ids would.
            before = [e for e in timelines[kim.pk] if e[0] <= change.effective_on]
            before_level, before_active, _since = _state_after(before)
            if (not level or level == before_level) and (
                is_active is None or is_active == before_active
            ):
                raise ValidationError(
                    _("Status ini sudah berlaku pada tanggal tersebut; tidak ada yang berubah.")
                )
        except (ValidationError, PermissionDenied) as error:
            error.entry = index
            raise
        timelines[kim.pk].append((change.effective_on, _AFTER_STORED + len(rows), level, is_active))
        rows.append(change)
        writes_by_note[change.note].append((kim.desa_id, change.effective_on))
    for note, writes in writes_by_note.items():
        periods.check(by, writes, reason or note)
    created = KIMStatusChange.objects.bulk_create(rows, batch_size=BULK_CHUNK)

    now, changed = timezone.now(), [kims[pk] for pk in sorted({row.kim_id for row in rows})]
    for kim in changed:
        kim.level, kim.is_active, kim.inactive_since = _state_after(timelines[kim.pk])
        kim.version += 1
        kim.updated_at = now
        # Only the three status fields and the version change: their field rules, and the
        # constraint tying the active flag to its date, which holds by construction here.
        kim.full_clean(exclude=["desa"], validate_unique=False, validate_constraints=False)
    KIM.objects.bulk_update(
        changed,
        ["level", "is_active", "inactive_since", "version", "updated_at"],
        batch_size=BULK_CHUNK,
    )
    notes = {row.note for row in rows}
    KIM.history.bulk_history_create(
        changed,
        batch_size=BULK_CHUNK,
        update=True,
        default_user=by,
        default_change_reason=reason
        or (notes.pop() if len(notes) == 1 else "")
        or _("Perubahan status"),
    )
    timeline.refresh_kims(kim.pk for kim in changed)
    figure_cache.invalidate()  # bulk writes send no post_save
    return created


@transaction.atomic
def void_kim(*, kim: KIM, reason: str, by) -> KIM:
    """Void a KIM registered by mistake: it then counts in no figure, stays in the history with
    the reason, and its name may be registered again in the desa. Only the superuser deletes."""
    kim = KIM.objects.select_for_update(of=("self",)).select_related("desa").get(pk=kim.pk)
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_VOID)
    if not (reason or "").strip():
        raise ValidationError({"void_reason": _("Tuliskan alasan pembatalan.")})
    periods.check(by, [(kim.desa_id, kim.formed_on)], reason)
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
    *,
    kim: KIM,
    occurred_on: datetime.date,
    kind: str,
    description: str,
    by,
    link: str = "",
    client_key=None,
) -> KIMActivity:
    """Record something the KIM did on ``occurred_on``. Refuses a date in the future or before
    formation, an unknown kind, an empty description, the same activity twice, and a voided
    KIM; checks the officer's role and kecamatan. A ``client_key`` already stored (an offline
    entry sent again) returns the stored activity and writes nothing."""
    kim = KIM.objects.select_related("desa").get(pk=kim.pk)
    stored = _stored_resend(KIMActivity, client_key, kim=kim)
    if stored:
        return stored
    _check_not_voided(kim)
    permissions.check(by, kim.desa, roles.PERM_ACTIVITY)
    activity = KIMActivity(
        kim=kim,
        occurred_on=occurred_on,
        kind=kind,
        description=(description or "").strip(),
        link=(link or "").strip(),
        recorded_by=by,
        client_key=client_key or None,
    )
    activity.full_clean()
    activity._history_user = by
    activity.save()
    return activity


@transaction.atomic
def record_activities(*, kim: KIM, activities: list[dict], by) -> list[KIMActivity]:
    """Record many activities of one KIM at once: ``record_many_activities``."""
    return record_many_activities([{**values, "kim": kim} for values in activities], by=by)


@transaction.atomic
def record_many_activities(entries: list[dict], *, by) -> list[KIMActivity]:
    """Record many activities at once, of one KIM or of thousands (the demo of a province):
    each entry holds ``kim`` and ``record_activity``'s ``occurred_on``, ``kind``,
    ``description`` and ``link``. The same rules as ``record_activity``, checked entry by
    entry before anything is written: the first refused is raised and nothing is written.
    Per ``BULK_CHUNK`` KIM one query for them and one for the activities they have already,
    the permission checked once per desa; one bulk insert with history."""
    if not entries:
        return []
    kims = _stored_kims([entry["kim"].pk for entry in entries], lock=False)
    existing: dict[int, set[tuple]] = defaultdict(set)
    pks = sorted(kims)
    for chunk in _chunks(pks):
        for kim_id, *key in KIMActivity.objects.filter(kim_id__in=chunk).values_list(
            "kim_id", "occurred_on", "kind", "description"
        ):
            existing[kim_id].add(tuple(key))
    allowed: set[int] = set()
    rows = []
    for values in entries:
        kim = kims.get(values["kim"].pk)
        if kim is None:
            raise KIM.DoesNotExist
        _check_not_voided(kim)
        if kim.desa_id not in allowed:
            permissions.check(by, kim.desa, roles.PERM_ACTIVITY)
            allowed.add(kim.desa_id)
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
        if key in existing[kim.pk]:
            raise ValidationError(_("Kegiatan yang sama sudah tercatat."))
        existing[kim.pk].add(key)
        rows.append(activity)
    created = bulk_create_with_history(rows, KIMActivity, default_user=by)
    figure_cache.invalidate()  # a bulk insert sends no post_save
    return created
