"""Users' roles and wilayah: the one place that changes them (``manage.py grant``, the users
page). A role is one of the groups of ``kimtracker.roles``; the wilayah are ``UserWilayah``
codes (``villages.scope``); every wilayah given or taken is kept in ``UserWilayah``'s history
(who, when, why)."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kimtracker.roles import MANAJER, ROLE_PERMISSIONS

from . import scope
from .models import Kabupaten, Kecamatan, Provinsi, UserWilayah

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
    a role or wilayah to themselves through this."""
    if role not in ROLES:
        raise ValidationError(
            _("Peran %(role)s tidak dikenal; pilih %(roles)s.")
            % {"role": role, "roles": ", ".join(ROLES)}
        )
    codes = check_codes(codes)
    if by is not None and not by.is_superuser:
        if not by.groups.filter(name=MANAJER).exists():
            raise PermissionDenied(_("Hanya Manajer yang dapat mengatur pengguna."))
        own = scope.of(by)
        outside = [code for code in codes if not own.contains(code)]
        if outside:
            raise PermissionDenied(
                _("Wilayah %(codes)s di luar wilayah Anda.") % {"codes": ", ".join(outside)}
            )
        if not own.contains_all(scope.of(user)):
            raise PermissionDenied(_("Pengguna ini bekerja di luar wilayah Anda."))
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
    current = set(user.wilayah_scope.values_list("code", flat=True))
    for row in user.wilayah_scope.exclude(code__in=codes):
        row._change_reason = reason or _("Wilayah dicabut")
        row._history_user = by
        row.delete()
    for code in sorted(set(codes) - current):
        row = UserWilayah(user=user, code=code)
        row._change_reason = reason or _("Wilayah diberikan")
        row._history_user = by
        row.full_clean()
        row.save()
    scope.forget(user)
