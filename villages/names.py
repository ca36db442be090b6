"""The one form of a KIM's name. Every write path (the services, and through them the forms, the
importer, the admin and the commands) stores a name as ``normalize_name`` gives it, so names
that look the same are the same text, and the database's case-insensitive unique rule on the
name in a desa holds for look-alikes too. Names that mix scripts (a Cyrillic "І" among Latin
letters) are refused (``validate_single_script``, Unicode TS #39 mixed-script detection)."""

import re
import unicodedata

from confusable_homoglyphs import categories
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SPACES = re.compile(r"\s+")


def normalize_name(value: str) -> str:
    """``value`` in Unicode NFKC (fullwidth "ＫＩＭ" is "KIM", a no-break space a space), without
    invisible format and control characters (zero-width space U+200B, byte-order mark U+FEFF,
    soft hyphen...: Unicode categories Cf and Cc), its whitespace collapsed to single spaces
    and trimmed. A name made only of invisible characters becomes empty (and is refused as
    empty)."""
    text = unicodedata.normalize("NFKC", value or "")
    text = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in ("Cf", "Cc")
    )
    return _SPACES.sub(" ", text).strip()


def scripts_of(value: str) -> set[str]:
    """The scripts of the letters of ``value`` (``LATIN``, ``CYRILLIC``...), digits, spaces
    and punctuation (``COMMON``) left out."""
    return categories.unique_aliases(value) - {"COMMON"}


def validate_single_script(value: str) -> None:
    """Refuse a name whose letters come from more than one script: "KІM Sumberputih" with a
    Cyrillic "І" looks like the Latin name but is other text (TS #39 mixed-script
    detection)."""
    scripts = scripts_of(value or "")
    if len(scripts) > 1:
        raise ValidationError(
            _(
                "Nama ini mencampur huruf dari beberapa aksara (%(scripts)s), misalnya huruf "
                "Sirilik yang mirip huruf Latin; ketik ulang nama dengan satu aksara saja."
            ),
            code="mixed_script",
            params={"scripts": ", ".join(sorted(s.title() for s in scripts))},
        )
