"""The wilayah a user works within (DESIGN.md section 1: one deployment can serve a whole
province, every office inside its own wilayah).

A user's scope is the union of their ``UserWilayah`` codes: a provinsi ("35"), a kabupaten/kota
("35.07") or a kecamatan ("35.07.08"), or "" for the whole country. A code contains every code
that starts with it and a dot ("35.07" contains "35.07.08" and "35.07.08.2001"), so one test on
a desa's code says whether a KIM, a desa, a kecamatan is within. A user without any wilayah
sees nothing; the superuser sees everything. Pages, figures, exports, reports, the map and the
API filter with ``Scope.q``; writes check ``Scope.contains`` (``villages.permissions``).
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

# Lengths of the codes of each level: provinsi, kabupaten/kota, kecamatan, desa.
LEVEL_LENGTHS = {"provinsi": 2, "kabupaten": 5, "kecamatan": 8, "desa": 13}


def contains(outer: str, code: str) -> bool:
    """Whether the wilayah ``outer`` contains (or is) the wilayah or desa ``code``."""
    return outer == "" or code == outer or code.startswith(f"{outer}.")


@dataclass(frozen=True)
class Scope:
    """The wilayah codes a user may see, without one inside another; ``codes`` None: all."""

    codes: tuple[str, ...] | None

    @classmethod
    def of_codes(cls, codes) -> "Scope":
        """The scope of ``codes``, reduced: a code inside another is dropped."""
        unique = sorted(set(codes))
        if "" in unique:
            return cls(None)
        kept = [c for c in unique if not any(o != c and contains(o, c) for o in unique)]
        return cls(tuple(kept))

    @property
    def is_everything(self) -> bool:
        return self.codes is None

    @property
    def is_empty(self) -> bool:
        return self.codes == ()

    def contains(self, code: str) -> bool:
        """Whether the wilayah or desa ``code`` is within the scope."""
        if self.codes is None:
            return True
        return any(contains(outer, code) for outer in self.codes)

    def contains_all(self, other: "Scope") -> bool:
        """Whether every wilayah of ``other`` is within this scope."""
        if self.codes is None:
            return True
        if other.codes is None:
            return False
        return all(self.contains(code) for code in other.codes)

    def touches(self, code: str) -> bool:
        """Whether the wilayah ``code`` holds something within the scope: it is within, or it
        contains one of the scope's wilayah (a user of kecamatan 35.07.08 touches 35.07 and 35:
        breadcrumbs and selectors show them, their figures only the part within)."""
        if self.codes is None:
            return True
        return any(contains(outer, code) or contains(code, outer) for outer in self.codes)

    def q(self, path: str = "code") -> Q:
        """A filter keeping the rows whose code at ``path`` is within the scope (a desa code,
        ``desa__code``, ``kim__desa__code``; a kecamatan code works the same)."""
        if self.codes is None:
            return Q()
        if not self.codes:
            return Q(pk__in=[])
        return reduce(
            or_,
            (Q(**{path: code}) | Q(**{f"{path}__startswith": f"{code}."}) for code in self.codes),
        )

    def q_touching(self, path: str = "code") -> Q:
        """A filter keeping the wilayah at ``path`` that ``touches`` the scope: within it, or
        containing one of its wilayah (the kabupaten and provinsi above a kecamatan scope)."""
        if self.codes is None:
            return Q()
        if not self.codes:
            return Q(pk__in=[])
        above = {code[:length] for code in self.codes for length in (2, 5) if len(code) > length}
        return self.q(path) | Q(**{f"{path}__in": sorted(above)})


EVERYTHING = Scope(None)
NOTHING = Scope(())


def of(user) -> Scope:
    """The scope of ``user`` (cached on the object for the request): everything for the
    superuser and the system (None), nothing for an anonymous or inactive user."""
    if user is None or getattr(user, "is_superuser", False):
        return EVERYTHING
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if not hasattr(user, "_kim_scope"):
        user._kim_scope = Scope.of_codes(user.wilayah_scope.values_list("code", flat=True))
    return user._kim_scope


def forget(user) -> None:
    """Drop the cached scope of ``user`` (after their wilayah changed)."""
    if user is not None and hasattr(user, "_kim_scope"):
        del user._kim_scope
