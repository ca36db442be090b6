"""Who may write what. Roles give permissions (``kimtracker.roles``); on top of them every user
writes only within their wilayah (``villages.scope``). The services call ``check`` on every
write, and views use the same functions to show or hide what a user may do."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import scope


def check(user, desa, permission: str) -> None:
    """Raise ``PermissionDenied`` with a clear message unless ``user`` may write in ``desa``:
    the role's permission, and the desa within the user's wilayah (``villages.scope``). ``user``
    None is the system itself (demo data, migrations). The refusal of a desa outside the
    wilayah names nothing of it (the message reaches pages, import previews, the API)."""
    if user is None or user.is_superuser:
        return
    if not user.has_perm(permission):
        raise PermissionDenied(_("Peran Anda tidak mengizinkan perubahan ini."))
    if not scope.of(user).contains(desa.code):
        # Names nothing: the desa is another office's, and its name, its kecamatan, even
        # whether the code the user gave exists there are not the user's to learn.
        raise PermissionDenied(_("Desa/kelurahan ini di luar wilayah kerja Anda."))


def may_write_in(user, desa, permission: str) -> bool:
    """Whether ``check`` would let ``user`` use ``permission`` in ``desa``."""
    try:
        check(user, desa, permission)
    except PermissionDenied:
        return False
    return True
