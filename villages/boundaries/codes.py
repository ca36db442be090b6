"""Codes and names as boundary files spell them: the property keys tried for a feature's code,
name and kecamatan, Kemendagri codes in any spelling (``normalise_code``), BPS codes told apart
from them, the level and kabupaten a code belongs to, and names reduced for comparison
(``normalise_name``, ``name_score``)."""

import difflib
import re

from ..wilayah import LEVELS

# Property keys tried (case-insensitively, in this order) for a feature's code and name.
CODE_KEYS = (
    "code",
    "kode",
    "kd_kec",
    "kode_kec",
    "kdepum",
    "kdcpum",
    "kode_desa",
    "kd_desa",
    "kdebps",
    "kdcbps",
    "id",
)
NAME_KEYS = {
    "kecamatan": ("name", "nama", "wadmkc", "nama_kec", "kecamatan", "name_3"),
    "desa": ("name", "nama", "wadmkd", "namobj", "nama_desa", "desa", "desa_kel", "name_4"),
}
# On a desa feature, the kecamatan it lies in: a desa is matched by name only within it.
KECAMATAN_NAME_KEYS = ("wadmkc", "kecamatan", "nama_kec", "name_3")
KECAMATAN_CODE_KEYS = ("kd_kec", "kode_kec", "kdcpum")

# Digits per segment of an undotted code: 350708 -> 35.07.08, 3507082001 -> 35.07.08.2001.
CODE_WIDTHS = {"kecamatan": (2, 2, 2), "desa": (2, 2, 2, 4)}
# BPS codes: kabupaten 4 digits, kecamatan 3 more (3507010), desa 3 more (3507010008); some
# publishers prefix "id". BPS numbers kecamatan differently from Kemendagri, so only the
# kabupaten part (3507 = 35.07) is the same.
_BPS_CODE = re.compile(r"^(id)?(\d{7}|\d{10})$")
_DOTTED = re.compile(r"^\d{2}(?:\.\d{2}){1,2}(?:\.\d{4})?$")

_NAME_PREFIX = re.compile(r"^(?:kecamatan|kec|kelurahan|kel|desa)\b\s*")
_NOT_ALNUM = re.compile(r"[\W_]+")


def normalise_code(value, level: str) -> str | None:
    """The dotted Kemendagri code of ``level`` that ``value`` spells (``"35.07.08"``, ``"350708"``
    or the number ``350708``), or ``None`` when it is not one. A BPS code (``3507010008``,
    ``id3507010008``) is not one, though it has as many digits as an undotted desa code."""
    text = _code_text(value)
    if text is None:
        return None
    if LEVELS[level].code_pattern.match(text):
        return text
    widths = CODE_WIDTHS[level]
    if text.isascii() and text.isdigit() and len(text) == sum(widths) and not _is_bps(text):
        segments, start = [], 0
        for width in widths:
            segments.append(text[start : start + width])
            start += width
        return ".".join(segments)
    return None


def normalise_name(value) -> str:
    """``value`` reduced for comparison: case folded, without a "Kecamatan"/"Kec."/"Desa"/
    "Kelurahan"/"Kel." prefix, spaces and punctuation removed ("Kec. Sumber Pucung" and
    "SUMBERPUCUNG" compare equal), since publishers spell the same name differently."""
    text = _NOT_ALNUM.sub(" ", str(value).casefold()).strip()
    while (prefix := _NAME_PREFIX.match(text)) and prefix.end() < len(text):
        text = text[prefix.end() :]
    return text.replace(" ", "")


def name_score(a, b) -> float:
    """How alike two names are, 0 to 1 (difflib's ratio of the normalised names)."""
    return difflib.SequenceMatcher(None, normalise_name(a), normalise_name(b)).ratio()


def _code_text(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _is_bps(text: str) -> bool:
    """Whether ``text`` is a BPS code: "id" and digits, seven digits (a kecamatan: Kemendagri's
    have six), or ten digits whose eighth is 0 (a Kemendagri desa's fourth segment starts with 1,
    2 or 3: 3507082001; BPS numbers desa from 001: 3507010008)."""
    found = _BPS_CODE.match(text.casefold())
    if not found:
        return False
    digits = found.group(2)
    return bool(found.group(1)) or len(digits) == 7 or digits[6] == "0"


def _code_level(value) -> str | None:
    """The level a code spells, from its length: kecamatan (35.07.08, 350708, BPS 3507010) or
    desa (35.07.08.2001, 3507082001, BPS 3507010008)."""
    text = _code_text(value)
    if text is None:
        return None
    found = _BPS_CODE.match(text.casefold())
    digits = found.group(2) if found else text.replace(".", "")
    if not (found or _DOTTED.match(text) or (text.isascii() and text.isdigit())):
        return None
    return {6: "kecamatan", 7: "kecamatan", 10: "desa"}.get(len(digits))


def _kabupaten_of(value) -> str | None:
    """The Kemendagri kabupaten code (35.07) a Kemendagri or BPS code of any level lies in."""
    text = _code_text(value)
    if text is None or _code_level(text) is None:
        return None
    digits = text.casefold().removeprefix("id").replace(".", "")
    return f"{digits[:2]}.{digits[2:4]}"
