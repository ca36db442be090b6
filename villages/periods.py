"""Closed periods: dates whose figures have been published. A write dated on or before the end
of a published month changes that month's report; the office may choose that such a write needs
the Manajer role and a reason (``KIM_PUBLISHED_MONTHS_NEED_MANAGER``).

Which months are published is the ``reports`` app's knowledge, and layers run one way
(``villages`` never imports ``reports``): ``reports`` registers its rule here when it starts
(``reports.apps``), and the services of ``villages.services`` ask before every write.
"""

import datetime
from collections.abc import Callable, Iterable

# A rule: (by, writes, reason) -> None, raising ValidationError to refuse. ``writes`` holds a
# (desa id, date) pair per write: the desa written to and the earliest date it bears on.
Rule = Callable[..., None]
_rules: list[Rule] = []


def register(rule: Rule) -> None:
    """Add ``rule`` (once) to the rules every dated write passes."""
    if rule not in _rules:
        _rules.append(rule)


def check(by, writes: Iterable[tuple[int, datetime.date]], reason: str = "") -> None:
    """Pass the writes through every registered rule; a rule refuses with ``ValidationError``."""
    if not _rules:
        return
    writes = [(desa_id, on) for desa_id, on in writes if on is not None]
    if not writes:
        return
    for rule in _rules:
        rule(by=by, writes=writes, reason=reason or "")
