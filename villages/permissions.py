"""Who may write what. Roles give permissions (``kimtracker.roles``); on top of them a Petugas
assigned to kecamatan edits only KIM there. The services call ``check`` on every write, and
views use the same functions to show or hide what a user may do."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def assigned_kecamatan_ids(user) -> set[int]:
    """Kecamatan a user is limited to; empty means everywhere. Cached on the user object."""
    if not hasattr(user, "_kim_kecamatan_ids"):
        user._kim_kecamatan_ids = set(
            user.kecamatan_assignments.values_list("kecamatan_id", flat=True)
        )
    return user._kim_kecamatan_ids


def check(user, desa, permission: str) -> None:
    """Raise ``PermissionDenied`` with a clear message unless ``user`` may write in ``desa``.
    ``user`` None is the system itself (demo data, migrations)."""
    if user is None or user.is_superuser:
        return
    if not user.has_perm(permission):
        raise PermissionDenied(_("Peran Anda tidak mengizinkan perubahan ini."))
    limited = assigned_kecamatan_ids(user)
    if limited and desa.kecamatan_id not in limited:
        raise PermissionDenied(
            _(
                "Anda hanya ditugaskan mengubah KIM di kecamatan tertentu; %(kecamatan)s bukan "
                "salah satunya."
            )
            % {"kecamatan": desa.kecamatan.name}
        )


def may_write_in(user, desa, permission: str) -> bool:
    """Whether ``check`` would let ``user`` use ``permission`` in ``desa``."""
    try:
        check(user, desa, permission)
    except PermissionDenied:
        return False
    return True
