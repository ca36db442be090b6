"""Users' roles and wilayah: the one place that changes them (``manage.py grant``, the users
page). A role is one of the groups of ``kimtracker.roles``; the wilayah are ``UserWilayah``
codes (``villages.scope``); every wilayah given or taken is kept in ``UserWilayah``'s history
(who, when, why). Every change to a user (invited, role, wilayah, deactivated, reactivated) is
also an ``AccountEvent``, written in the same transaction. A Manajer manages the users whose
every wilayah lies within their own, never themselves nor a peer (a Manajer of the very same
wilayah: one Kabid may not demote, re-scope or deactivate another; a Manajer of a wider wilayah,
or the superuser, may); users are deactivated, never deleted."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from kimtracker.roles import MANAJER, ROLE_PERMISSIONS

from . import scope
from .choices import AccountEventKind
from .models import AccountEvent, Kabupaten, Kecamatan, Provinsi, UserWilayah

ROLES = tuple(ROLE_PERMISSIONS)


def wilayah_name(code: str) -> str | None:
    """The name of the provinsi, kabupaten/kota or kecamatan ``code`` ("" is the whole
    country); None when no such wilayah is loaded."""
    if code == "":
        return _("Seluruh Indonesia")
    for model, label in (
        (Provinsi, _("Provinsi %(name)s")),
        (Kabupaten, "%(name)s"),
        (Kecamatan, _("Kecamatan %(name)s")),
    ):
        name = model.objects.filter(code=code).values_list("name", flat=True).first()
        if name is not None:
            return label % {"name": name.title()}
    return None


def check_codes(codes) -> list[str]:
    """The codes, stripped and without repeats, each an existing wilayah; else
    ``ValidationError`` naming the unknown ones."""
    cleaned = sorted({(code or "").strip() for code in codes})
    if not cleaned:
        raise ValidationError(_("Sebutkan paling sedikit satu wilayah."))
    unknown = [code for code in cleaned if wilayah_name(code) is None]
    if unknown:
        raise ValidationError(
            _(
                "Wilayah %(codes)s tidak ada; tulis kode provinsi (35), kabupaten/kota (35.07) "
                "atau kecamatan (35.07.08)."
            )
            % {"codes": ", ".join(unknown)}
        )
    return cleaned


@transaction.atomic
def set_role_and_wilayah(user, *, role: str, codes, by=None, reason: str = "") -> None:
    """Give ``user`` exactly one role and exactly the wilayah ``codes``. ``by`` (None: the
    command line) may only give wilayah within their own and must be a Manajer; nobody gives
    a role or wilayah to themselves through this. Each change is an ``AccountEvent``."""
    if role not in ROLES:
        raise ValidationError(
            _("Peran %(role)s tidak dikenal; pilih %(roles)s.")
            % {"role": role, "roles": ", ".join(ROLES)}
        )
    codes = check_codes(codes)
    refuse_unless_manages(by, user)
    if by is not None and not by.is_superuser:
        own = scope.of(by)
        outside = [code for code in codes if not own.contains(code)]
        if outside:
            raise PermissionDenied(
                _("Wilayah %(codes)s di luar wilayah Anda.") % {"codes": ", ".join(outside)}
            )
    before = sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
    if before != [role]:
        detail = f"{', '.join(before) or '—'} → {role}"
        record_event(user, AccountEventKind.ROLE_CHANGED, by=by, detail=detail, reason=reason)
    current = set(user.wilayah_scope.values_list("code", flat=True))
    for row in user.wilayah_scope.exclude(code__in=codes):
        row._change_reason = reason or _("Wilayah dicabut")
        row._history_user = by
        row.delete()
        record_event(
            user,
            AccountEventKind.WILAYAH_TAKEN,
            by=by,
            detail=_wilayah_detail(row.code),
            reason=reason,
        )
    for code in sorted(set(codes) - current):
        row = UserWilayah(user=user, code=code)
        row._change_reason = reason or _("Wilayah diberikan")
        row._history_user = by
        row.full_clean()
        row.save()
        record_event(
            user, AccountEventKind.WILAYAH_GIVEN, by=by, detail=_wilayah_detail(code), reason=reason
        )
    scope.forget(user)


def _levels():
    """The wilayah models, each with the label of a name (as ``wilayah_name`` writes it)."""
    return (
        (Provinsi, _("Provinsi %(name)s")),
        (Kabupaten, "%(name)s"),
        (Kecamatan, _("Kecamatan %(name)s")),
    )


def wilayah_names(codes) -> dict[str, str]:
    """``wilayah_name`` of many codes in three queries: code -> name (unknown codes left out)."""
    codes = set(codes)
    names = {"": _("Seluruh Indonesia")} if "" in codes else {}
    for model, label in _levels():
        for code, name in model.objects.filter(code__in=codes).values_list("code", "name"):
            names[code] = label % {"name": name.title()}
    return names


def _wilayah_detail(code: str) -> str:
    name = wilayah_name(code) or ""
    return f"{code} {name}".strip() if code else name


def record_event(user, kind, *, by, detail: str = "", reason: str = "") -> AccountEvent:
    """Write one ``AccountEvent``: what happened to ``user``, by whom (None: the command
    line), and why. Called by the services below inside their transaction."""
    return AccountEvent.objects.create(
        user=user, by=by, kind=kind, detail=detail[:200], reason=(reason or "")[:200]
    )


def record_two_factor(sender=None, *, user, enrolled: bool, by=None, **kwargs) -> AccountEvent:
    """Record that ``user``'s authenticator was enrolled (``enrolled``) or removed: the
    receiver of ``kimtracker.two_factor.device_changed``, called inside the transaction that
    confirms or deletes the device. ``by``: who did it (the administrator removing a lost
    device in the admin), else the user themselves; who may log in how is a fact of the
    account like its role, so it is on the same page."""
    kind = AccountEventKind.TWO_FACTOR_ENABLED if enrolled else AccountEventKind.TWO_FACTOR_REMOVED
    return record_event(user, kind, by=by or user)


def is_manager(user) -> bool:
    """Whether ``user`` may manage users at all: the superuser, or a Manajer."""
    return user.is_superuser or user.groups.filter(name=MANAJER).exists()


def manageable_users(by):
    """The users ``by`` manages: for the superuser every user; for a Manajer the users given
    at least one wilayah, every one of them within the Manajer's own (themselves and their
    peers included, to see, not to change: ``refuse_unless_manages``); never a superuser.
    Deactivated users stay in the list."""
    users = get_user_model().objects.all()
    if by.is_superuser:
        return users
    own = scope.of(by)
    users = users.filter(is_superuser=False, pk__in=UserWilayah.objects.values("user_id"))
    if own.is_everything:
        return users
    return users.exclude(pk__in=UserWilayah.objects.exclude(own.q("code")).values("user_id"))


def role_groups():
    """The groups that are roles (a user may also be in other groups)."""
    return Group.objects.filter(name__in=ROLES)


def users_for_table(by):
    """``manageable_users`` with what the users page shows: the role groups (``roles``) and
    the wilayah rows, prefetched (three queries whatever the page's length)."""
    return manageable_users(by).prefetch_related(
        Prefetch("groups", queryset=role_groups(), to_attr="roles"), "wilayah_scope"
    )


def events_for(by):
    """The ``AccountEvent`` of the users ``by`` manages, newest first."""
    return AccountEvent.objects.filter(user__in=manageable_users(by)).select_related("user", "by")


def refuse_unless_manages(by, user) -> None:
    """``PermissionDenied`` unless ``by`` (None: the command line) may change ``user``: a
    Manajer (or the superuser), not ``user`` themselves, and, for a Manajer, ``user`` is no
    superuser, has no wilayah outside the Manajer's (a user given none yet may be given
    one) and is no peer: a Manajer whose wilayah is the very same as ``by``'s. Two Manajer of
    one office answer to the one above them (a Manajer of the provinsi over a kabupaten's,
    or the superuser); else either could demote or lock out the other. Reads ``UserWilayah``
    itself: a deactivated user's scope reads as nothing."""
    if by is None:
        return
    if by.pk == user.pk:
        raise PermissionDenied(_("Anda tidak dapat mengubah akun Anda sendiri."))
    if by.is_superuser:
        return
    if not by.groups.filter(name=MANAJER).exists():
        raise PermissionDenied(_("Hanya Manajer yang dapat mengatur pengguna."))
    own = scope.of(by)
    outside = not own.is_everything and user.wilayah_scope.exclude(own.q("code")).exists()
    if user.is_superuser or outside:
        raise PermissionDenied(_("Pengguna ini bekerja di luar wilayah Anda."))
    if user.groups.filter(name=MANAJER).exists():
        theirs = scope.Scope.of_codes(user.wilayah_scope.values_list("code", flat=True))
        # Within the Manajer's (checked above) and containing it: the very same wilayah.
        if theirs.contains_all(own):
            raise PermissionDenied(
                _(
                    "Pengguna ini Manajer dengan wilayah yang sama dengan Anda; peran, wilayah "
                    "dan statusnya hanya dapat diubah oleh Manajer wilayah di atasnya atau admin."
                )
            )


def may_manage(by, user) -> bool:
    """Whether ``refuse_unless_manages`` lets ``by`` change ``user`` (the users page offers
    its forms only then)."""
    try:
        refuse_unless_manages(by, user)
    except PermissionDenied:
        return False
    return True


def assignable_wilayah(by) -> list[tuple[str, str]]:
    """The wilayah ``by`` may give, as (code, label) choices in code order: their own and every
    kabupaten/kota and kecamatan inside (the whole country too for a national Manajer)."""
    own = scope.of(by)
    choices = [("", _("Seluruh Indonesia"))] if own.is_everything else []
    for model, label in _levels():
        rows = model.objects.filter(own.q("code")).values_list("code", "name")
        choices += [(code, f"{code} {label % {'name': name.title()}}") for code, name in rows]
    return sorted(choices)


@transaction.atomic
def invite_user(*, username, email, first_name="", last_name="", role, codes, by, reason=""):
    """Create an active user without a usable password (they set one through the link of
    ``send_invitation``), with ``role`` and ``codes`` (``set_role_and_wilayah``'s rules). A
    username or e-mail address already taken (in any case) is refused by field."""
    User = get_user_model()
    username = (username or "").strip()
    email = User.objects.normalize_email((email or "").strip())
    errors = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("Nama pengguna %(username)s sudah dipakai; pilih yang lain.") % {
            "username": username
        }
    if not email:
        errors["email"] = _("Alamat e-mail wajib diisi: undangan dikirim ke sana.")
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("Alamat e-mail %(email)s sudah dipakai oleh pengguna lain.") % {
            "email": email
        }
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        is_active=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    record_event(user, AccountEventKind.INVITED, by=by, detail=email, reason=reason)
    set_role_and_wilayah(user, role=role, codes=codes, by=by, reason=reason)
    return user


def invitation_link(user, *, base_url: str) -> str:
    """The link that lets ``user`` set their password: Django's password reset confirmation
    with a fresh token (valid ``PASSWORD_RESET_TIMEOUT``; spent once a password is set)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{base_url.rstrip('/')}{path}"


def send_invitation(user, *, by, base_url: str) -> None:
    """E-mail ``user`` the link to set their password. Called after ``invite_user`` (or again
    from the user's page: recorded as an ``AccountEvent``)."""
    context = {
        "user": user,
        "by": by,
        "link": invitation_link(user, base_url=base_url),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    subject = render_to_string("villages/user_invitation_subject.txt", context).strip()
    body = render_to_string("villages/user_invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])


@transaction.atomic
def resend_invitation(user, *, by, base_url: str, reason: str = "") -> None:
    """Send the invitation again (the user lost it, or its link expired)."""
    refuse_unless_manages(by, user)
    if not user.is_active:
        raise ValidationError(_("Pengguna ini nonaktif; aktifkan dulu."))
    if not user.email:
        raise ValidationError(_("Pengguna ini tidak punya alamat e-mail."))
    record_event(user, AccountEventKind.INVITATION_SENT, by=by, detail=user.email, reason=reason)
    send_invitation(user, by=by, base_url=base_url)


@transaction.atomic
def deactivate_user(user, *, by, reason: str = "") -> None:
    """Deactivate ``user``: they can no longer log in (their session ends at their next
    request); nothing is deleted, their history stays."""
    refuse_unless_manages(by, user)
    if not user.is_active:
        raise ValidationError(_("Pengguna ini sudah nonaktif."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    scope.forget(user)
    record_event(user, AccountEventKind.DEACTIVATED, by=by, reason=reason)


@transaction.atomic
def reactivate_user(user, *, by, reason: str = "") -> None:
    """Let a deactivated ``user`` log in again, with the role and wilayah they had."""
    refuse_unless_manages(by, user)
    if user.is_active:
        raise ValidationError(_("Pengguna ini sudah aktif."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    scope.forget(user)
    record_event(user, AccountEventKind.REACTIVATED, by=by, reason=reason)
