"""The English catalogue (locale/en): complete, compiled, and used by the pages.

The source strings are Bahasa Indonesia; ``locale/en/LC_MESSAGES/django.po`` holds their English
and the committed ``django.mo`` is what Django reads. After adding or changing a string:
``makemessages -l en``, translate, ``compilemessages -l en``, and commit both files.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# A printf-style conversion as Python's % operator reads it: %(name)s, %d, %.1f, %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    def __str__(self):
        return f"django.po:{self.line} {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"'), text
    assert text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES[m.group(1)], text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included, obsolete (``#~``) entries left out."""
    entries, entry, key = [], None, None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, key = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, key, _unquote(line))
        else:
            key, value = line.split(" ", 1)
            _append(entry, key, _unquote(value), start=True)
    return entries


def _append(entry: Entry, key: str, text: str, start: bool = False):
    if key.startswith("msgstr"):
        index = int(key[7:-1]) if key != "msgstr" else 0
        entry.msgstr[index] = ("" if start else entry.msgstr[index]) + text
    elif key in ("msgctxt", "msgid", "msgid_plural"):
        setattr(entry, key, ("" if start else getattr(entry, key)) + text)
    else:
        raise AssertionError(f"django.po: unexpected keyword {key!r}")


ENTRIES = read_po(PO_PATH)
HEADER = [e for e in ENTRIES if e.msgid == "" and e.msgctxt is None]
MESSAGES = [e for e in ENTRIES if e.msgid != "" or e.msgctxt is not None]


def test_catalogue_has_a_header_and_messages():
    assert len(HEADER) == 1
    assert "Language: en\n" in HEADER[0].msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in HEADER[0].msgstr[0]
    assert len(MESSAGES) > 100
    assert MO_PATH.is_file(), "run `manage.py compilemessages -l en` and commit django.mo"


def test_every_entry_is_translated_and_not_fuzzy():
    fuzzy = [str(e) for e in ENTRIES if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    untranslated = [
        str(e)
        for e in MESSAGES
        if not e.msgstr
        or any(not text for text in e.msgstr.values())
        or (e.msgid_plural is not None and sorted(e.msgstr) != [0, 1])
    ]
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_translations_keep_the_placeholders():
    """A lost or renamed %(name)s raises KeyError at run time, only in English."""
    wrong = []
    for e in MESSAGES:
        if "python-format" not in e.flags:
            continue
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for index, text in e.msgstr.items():
            expected = Counter(PLACEHOLDER.findall(sources[min(index, len(sources) - 1)]))
            if Counter(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{e} msgstr[{index}] {text!r} (expected {sorted(expected)})")
    assert not wrong, "\n".join(wrong)


def _translate(e: Entry, n: int | None = None) -> str:
    if e.msgid_plural is None:
        if e.msgctxt is not None:
            return translation.pgettext(e.msgctxt, e.msgid)
        return translation.gettext(e.msgid)
    if e.msgctxt is not None:
        return translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
    return translation.ngettext(e.msgid, e.msgid_plural, n)


def test_compiled_catalogue_matches_the_po():
    """django.mo is what Django reads: a .po edited without compilemessages fails here."""
    stale = []
    with translation.override("en"):
        for e in MESSAGES:
            if e.msgid_plural is None:
                got = {0: _translate(e)}
            else:
                got = {0: _translate(e, 1), 1: _translate(e, 2)}
            if got != e.msgstr:
                stale.append(f"{e}: .mo gives {got}, .po says {e.msgstr}")
    assert not stale, "run `manage.py compilemessages -l en`:\n" + "\n".join(stale)


@pytest.mark.usefixtures("malang")
def test_dashboard_in_english_after_the_switch(staff_client):
    page = staff_client.get(reverse("dashboard")).content.decode()
    assert 'lang="id"' in page
    assert "Dasbor cakupan KIM" in page

    switched = staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert switched.status_code == 302
    response = staff_client.get(reverse("dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="en"' in page
    for text in (
        "KIM coverage dashboard",  # page title and heading
        "Kecamatan without an active KIM",
        "Active KIM by level",
        "Village coverage by kecamatan (%)",
        "As of today,",
        "Villages without a KIM",  # navigation
        "Log out",
        "Beginner",  # KIM level labels
        "Empowered/Independent",
    ):
        assert text in page, text
    for text in ("Dasbor cakupan KIM", "KIM aktif per tingkat", "Keluar", "Per hari ini"):
        assert text not in page, text


def test_login_page_indonesian_for_anonymous_then_english(client):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="id"' in page
    assert "Masuk ke KIM Tracker" in page
    assert "Log in to KIM Tracker" not in page

    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page
    assert "Log in to KIM Tracker" in page
    assert "Username" in page
    assert "Password" in page
