"""Loading the official wilayah (Kemendagri codes) from the CSV files of the ``idn-area-data``
npm package, or from the bundled Kabupaten Malang fixture, which uses the same format.

Reading and checking happen before anything is written: a missing or malformed file raises
``WilayahError`` and leaves the database as it was. Writing is an upsert by code in one
transaction, so loading the same data twice changes nothing.

Codes are the natural keys: a new release that renames an area (idn-area-data 4.0.1 renamed 11
desa of Kabupaten Malang, e.g. 35.07.02.2001 Sumbermanjingkulon -> Sumbermanjing Kulon) updates the
row in place, so everything attached to it (KIM, boundaries, history) stays attached, and the
result lists each rename (code, old name, new name) for the office to see.
"""

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from kimtracker import figure_cache

from .choices import DesaKind
from .models import Desa, Kabupaten, Kecamatan, Provinsi

BATCH_SIZE = 2000


class WilayahError(Exception):
    """A source file is missing or malformed; the message says which file, line and value."""


@dataclass(frozen=True)
class Level:
    """One level of the hierarchy as the package's CSV files describe it."""

    filename: str
    parent_column: str | None
    code_pattern: re.Pattern
    label: str


LEVELS = {
    "provinsi": Level("provinces.csv", None, re.compile(r"^\d{2}$"), "provinsi"),
    "kabupaten": Level(
        "regencies.csv", "province_code", re.compile(r"^\d{2}\.\d{2}$"), "kabupaten"
    ),
    "kecamatan": Level(
        "districts.csv", "regency_code", re.compile(r"^\d{2}\.\d{2}\.\d{2}$"), "kecamatan"
    ),
    "desa": Level(
        "villages.csv", "district_code", re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"), "desa"
    ),
}


@dataclass
class WilayahData:
    """Rows read from a source, per level: ``{code: (name, parent_code)}``, and the scope they
    were read for (``None``: everything)."""

    rows: dict[str, dict[str, tuple[str, str | None]]] = field(default_factory=dict)
    scope: str | None = None


@dataclass(frozen=True)
class Rename:
    """An area whose code stayed and whose name changed."""

    code: str
    old_name: str
    new_name: str


@dataclass
class LevelResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed: list[Rename] = field(default_factory=list)
    # (code, name) of areas within the scope that the source no longer has: kept, never deleted.
    missing: list[tuple[str, str]] = field(default_factory=list)


def desa_kind(code: str) -> str:
    """Kemendagri encodes the kind in the fourth segment: 1xxx kelurahan, 2xxx desa, 3xxx desa
    adat (counted as desa)."""
    return DesaKind.KELURAHAN if code.split(".")[3].startswith("1") else DesaKind.DESA


def _in_scope(code: str, scope: str | None) -> bool:
    """Whether ``code`` lies in ``scope`` (a province or regency code) or on its path upward."""
    if not scope:
        return True
    return code == scope[: len(code)] if len(code) < len(scope) else code.startswith(scope)


def read_source(directory: Path, *, scope: str | None = None) -> WilayahData:
    """Read and check the four CSV files of ``directory``, keeping the rows within ``scope``
    (``"35.07"`` a regency, ``"35"`` a province, ``None`` everything)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise WilayahError(_("Folder sumber %(dir)s tidak ditemukan.") % {"dir": directory})
    data = WilayahData(scope=scope)
    parent_level = None
    for key, level in LEVELS.items():
        data.rows[key] = _read_level(directory / level.filename, level, scope)
        if parent_level:
            parents = data.rows[parent_level]
            for code, (_name, parent) in data.rows[key].items():
                if parent not in parents:
                    raise WilayahError(
                        _("%(file)s: kode induk %(parent)s dari %(code)s tidak dikenal.")
                        % {"file": level.filename, "parent": parent, "code": code}
                    )
        parent_level = key
    if scope and not data.rows["desa"]:
        raise WilayahError(
            _("Tidak ada desa dengan kode %(scope)s di %(dir)s.")
            % {"scope": scope, "dir": directory}
        )
    return data


def _read_level(path: Path, level: Level, scope: str | None) -> dict:
    if not path.is_file():
        raise WilayahError(_("Berkas %(file)s tidak ditemukan.") % {"file": path})
    expected = ["code", level.parent_column, "name"] if level.parent_column else ["code", "name"]
    rows = {}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header != expected:
                raise WilayahError(
                    _("%(file)s: kolom harus %(expected)s, bukan %(found)s.")
                    % {
                        "file": path.name,
                        "expected": ",".join(expected),
                        "found": ",".join(header or []),
                    }
                )
            for line_no, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(expected):
                    raise WilayahError(
                        _("%(file)s baris %(line)d: harus %(n)d kolom.")
                        % {"file": path.name, "line": line_no, "n": len(expected)}
                    )
                values = dict(zip(expected, (v.strip() for v in row), strict=True))
                code, name = values["code"], values["name"]
                parent = values.get(level.parent_column) if level.parent_column else None
                if not _in_scope(code, scope):
                    continue
                if not level.code_pattern.match(code) or (
                    parent and not code.startswith(parent + ".")
                ):
                    raise WilayahError(
                        _("%(file)s baris %(line)d: kode %(level)s %(code)s tidak sah.")
                        % {"file": path.name, "line": line_no, "level": level.label, "code": code}
                    )
                if not name:
                    raise WilayahError(
                        _("%(file)s baris %(line)d: nama kosong.")
                        % {"file": path.name, "line": line_no}
                    )
                if code in rows:
                    raise WilayahError(
                        _("%(file)s baris %(line)d: kode %(code)s ganda.")
                        % {"file": path.name, "line": line_no, "code": code}
                    )
                rows[code] = (name, parent)
    except UnicodeDecodeError as exc:
        raise WilayahError(_("%(file)s bukan berkas teks UTF-8.") % {"file": path.name}) from exc
    except csv.Error as exc:
        raise WilayahError(
            _("%(file)s: CSV rusak (%(error)s).") % {"file": path.name, "error": exc}
        ) from exc
    return rows


# How each level is written: model, parent field, and extra fields derived from the code.
_TARGETS = {
    "provinsi": (Provinsi, None),
    "kabupaten": (Kabupaten, "provinsi"),
    "kecamatan": (Kecamatan, "kabupaten"),
    "desa": (Desa, "kecamatan"),
}


@transaction.atomic
def load(
    data: WilayahData, *, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, LevelResult]:
    """Upsert ``data`` by code, level by level, inside one transaction; return what changed.
    ``progress(level, written, total)`` is called after each batch of a level that takes more
    than one.
    Names and parents follow the source; codes are never deleted (KIM may hang on them); each
    level's result lists the areas renamed in place and those the source no longer has."""
    results = {}
    parent_ids: dict[str, int] = {}
    for key, (model, parent_field) in _TARGETS.items():
        parent_column = f"{parent_field}_id" if parent_field else None
        columns = ["code", "id", "name"] + ([parent_column] if parent_column else [])
        existing = {
            row[0]: row[1:]
            for row in model.objects.values_list(*columns).iterator(chunk_size=BATCH_SIZE)
        }
        result, to_write = LevelResult(), []
        for code, (name, parent) in data.rows[key].items():
            values = {"name": name}
            if parent_column:
                values[parent_column] = parent_ids[parent]
            found = existing.get(code)
            if found is None:
                if key == "desa":
                    values["kind"] = desa_kind(code)
                to_write.append(model(code=code, **values))
                result.created += 1
            elif tuple(found[1:]) != tuple(values.values()):
                to_write.append(model(pk=found[0], code=code, **values))
                result.updated += 1
                if found[1] != name:
                    result.renamed.append(Rename(code, found[1], name))
            else:
                result.unchanged += 1
        for start in range(0, len(to_write), BATCH_SIZE):
            batch = to_write[start : start + BATCH_SIZE]
            new = [obj for obj in batch if obj.pk is None]
            changed = [obj for obj in batch if obj.pk is not None]
            model.objects.bulk_create(new)
            if changed:
                model.objects.bulk_update(
                    changed, ["name"] + ([parent_field] if parent_field else [])
                )
            if progress and len(to_write) > BATCH_SIZE:
                progress(key, start + len(batch), len(to_write))
        result.missing = sorted(
            (code, found[1])
            for code, found in existing.items()
            if code not in data.rows[key] and _in_scope(code, data.scope)
        )
        results[key] = result
        if result.created or result.updated:
            figure_cache.invalidate()  # bulk writes send no post_save
        parent_ids = dict(model.objects.values_list("code", "id").iterator(chunk_size=BATCH_SIZE))
    return results
