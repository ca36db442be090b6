"""Who may write what. Roles give permissions (``kimtracker.roles``); on top of them every user
writes only within their wilayah (``villages.scope``). The services call ``check`` on every
write, and views use the same functions to show or hide what a user may do."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import scope


def check(user, desa, permission: str) -> None:
    """Raise ``PermissionDenied`` with a clear message unless ``user`` may write in ``desa``:
    the role's permission, and the desa within the user's wilayah (``villages.scope``). ``user``
    None is the system itself (demo data, migrations)."""
    if user is None or user.is_superuser:
        return
    if not user.has_perm(permission):
        raise PermissionDenied(_("Peran Anda tidak mengizinkan perubahan ini."))
    if not scope.of(user).contains(desa.code):
        raise PermissionDenied(
            _("%(desa)s (Kecamatan %(kecamatan)s) di luar wilayah kerja Anda.")
            % {"desa": desa.name, "kecamatan": desa.kecamatan.name}
        )


def may_write_in(user, desa, permission: str) -> bool:
    """Whether ``check`` would let ``user`` use ``permission`` in ``desa``."""
    try:
        check(user, desa, permission)
    except PermissionDenied:
        return False
    return True
