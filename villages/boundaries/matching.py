"""Matching features to kecamatan or desa rows: the property keys of this import (``_Keys``),
refusing a file of the other level (``_check_level``), and ``_Matcher``, which decides for each
feature the area it is (by code, or by name within its kecamatan), a proposal, a refusal or
nothing, and settles the proposals the user accepted."""

import difflib
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..geometry import area_km2
from .codes import (
    _BPS_CODE,
    CODE_KEYS,
    KECAMATAN_CODE_KEYS,
    KECAMATAN_NAME_KEYS,
    NAME_KEYS,
    _code_level,
    _code_text,
    _is_bps,
    _kabupaten_of,
    name_score,
    normalise_code,
    normalise_name,
)
from .placement import far_outside
from .reading import Feature
from .registry import _Registry
from .result import (
    BY_CODE,
    BY_NAME,
    BY_PROPOSAL,
    BoundaryError,
    ImportResult,
    Match,
    Proposal,
    Refusal,
)

# A name this similar (difflib's ratio of the normalised names, 0 to 1) to a row's is proposed.
# Ngebrug/Ngebruk 0.86, Tambaksari/Tambakasri 0.9, Sumbermanjing/Sumbermanjing Wetan 0.84, while
# Sumbermanjing Kulon/Sumbermanjing Wetan (two different desa) is 0.78.
CLOSE_SCORE = 0.8
OTHER_LEVEL = {"kecamatan": "desa", "desa": "kecamatan"}


@dataclass
class _Keys:
    """The property keys tried for a feature's code, name and (desa) kecamatan, the ones the
    user named first."""

    code: tuple[str, ...]
    name: tuple[str, ...]
    kecamatan: tuple[str, ...]

    def __init__(self, level, code_field, name_field, kecamatan_field):
        code_keys = CODE_KEYS
        if level == "desa":  # on a desa feature these hold its kecamatan's code
            code_keys = tuple(key for key in CODE_KEYS if key not in KECAMATAN_CODE_KEYS)
        self.code = _keys(code_field, code_keys)
        self.name = _keys(name_field, NAME_KEYS[level])
        self.kecamatan = _keys(kecamatan_field, (*KECAMATAN_CODE_KEYS, *KECAMATAN_NAME_KEYS))

    def name_of(self, feature: Feature):
        return next(
            (
                feature.properties[k]
                for k in self.name
                if feature.properties.get(k) not in (None, "")
            ),
            None,
        )

    def codes_of(self, feature: Feature) -> list:
        return [feature.properties[k] for k in self.code if _code_text(feature.properties.get(k))]


def _keys(explicit: str | None, defaults: tuple[str, ...]) -> tuple[str, ...]:
    return (explicit.casefold(), *defaults) if explicit else defaults


def _check_level(features, level: str, keys: _Keys, registry: _Registry) -> None:
    """Refuse a file of the other level (a kecamatan file imported as desa puts a kecamatan's
    shape on the desa of the same name). Its codes' lengths decide alone; otherwise two of: its
    names are more often names of the other level, it has more features than the level has
    rows, its shapes are the other level's size."""
    other = OTHER_LEVEL[level]
    reasons = []
    levels = Counter(_code_level(codes[0]) for codes in map(keys.codes_of, features) if codes)
    if levels[other] > levels[level] and levels[other] * 2 >= len(features):
        example = next(
            codes[0]
            for codes in map(keys.codes_of, features)
            if codes and _code_level(codes[0]) == other
        )
        reasons.append(
            _("%(count)d dari %(total)d kode bertingkat %(other)s (misalnya %(example)s)")
            % {"count": levels[other], "total": len(features), "other": other, "example": example}
        )
        votes = 2
    else:
        votes = 0
        # Names under either level's keys: a desa file's WADMKD is no kecamatan name key.
        all_keys = (*keys.name, *NAME_KEYS[other])
        names = []
        for feature in features:
            name = next(
                (
                    feature.properties[k]
                    for k in all_keys
                    if feature.properties.get(k) not in (None, "")
                ),
                None,
            )
            if name:
                names.append(normalise_name(name))
        this_names = sum(name in registry.names[level] for name in names)
        other_names = sum(name in registry.names[other] for name in names)
        if other_names > this_names:
            votes += 1
            reasons.append(
                _("%(other_count)d nama fitur adalah nama %(other)s, %(count)d nama %(level)s")
                % {
                    "other_count": other_names,
                    "other": other,
                    "count": this_names,
                    "level": level,
                }
            )
        rows = len(registry.kecamatan)
        if level == "kecamatan" and rows and len(features) > max(2 * rows, rows + 20):
            votes += 1
            reasons.append(
                _("%(count)d fitur, padahal hanya ada %(rows)d kecamatan")
                % {"count": len(features), "rows": rows}
            )
        typical = registry.typical_km2()
        median = statistics.median(area_km2(feature.geometry) for feature in features)
        if median > 0 and min(typical.values()) > 0:
            distance = {lvl: abs(math.log(median / typical[lvl])) for lvl in typical}
            if distance[other] < distance[level]:
                votes += 1
                reasons.append(
                    _(
                        "luas fitur umumnya %(area).1f km² (kecamatan biasanya sekitar "
                        "%(kecamatan).0f km², desa sekitar %(desa).1f km²)"
                    )
                    % {"area": median, "kecamatan": typical["kecamatan"], "desa": typical["desa"]}
                )
    if votes >= 2:
        raise BoundaryError(
            _(
                "Berkas ini tampaknya berisi batas %(other)s, bukan %(level)s: %(reasons)s. "
                "Jika benar, impor sebagai tingkat %(other)s."
            )
            % {"other": other, "level": level, "reasons": "; ".join(reasons)}
        )


class _Matcher:
    """Decides, for each feature, the area it is (by code or name), a proposal, a refusal, or
    nothing; see the package's docstring (``villages.boundaries``) for the rules."""

    def __init__(self, level: str, keys: _Keys, registry: _Registry, result: ImportResult):
        self.level = level
        self.keys = keys
        self.registry = registry
        self.result = result
        self.bps = False
        # code -> [(feature, how, note)]
        self.applied = defaultdict(list)
        self.kecamatan_unknown = 0

    def run(self, features, accept: dict, accept_all: bool) -> dict[str, list]:
        self.bps = self._bps_file(features)
        self._features = {feature.index: feature for feature in features}
        kecamatan = self._kecamatan_of(features) if self.level == "desa" else {}
        proposals = []
        for feature in features:
            proposal = self._match(feature, kecamatan.get(feature.index))
            if proposal:
                proposals.append(proposal)
        self._settle_proposals(proposals, accept, accept_all)

        parts = defaultdict(list)
        for code, entries in sorted(self.applied.items()):
            kept = []
            for feature, how, note in entries:
                refusal = far_outside(self.registry, self.level, code, feature)
                if refusal:
                    self.result.refused.append(Refusal(feature.label, feature.index, refusal, code))
                else:
                    kept.append((feature, how, note))
            if not kept:
                continue
            parts[code] = [feature.geometry for feature, _how, _note in kept]
            self.result.matches.append(
                Match(
                    code=code,
                    name=self.registry.name(code),
                    how=sorted({how for _feature, how, _note in kept}),
                    features=[feature.label for feature, _how, _note in kept],
                    indexes=[feature.index for feature, _how, _note in kept],
                    note=" ".join(note for _feature, _how, note in kept if note),
                )
            )
        if self.kecamatan_unknown:
            self.result.notes.append(
                _(
                    "%(count)d desa tanpa kecamatan yang diketahui: desa hanya dicocokkan dengan "
                    "nama di dalam kecamatannya. Beri nama properti kecamatan berkas ini "
                    "(perintah import_boundaries: --kecamatan-field), atau impor batas "
                    "kecamatan dahulu."
                )
                % {"count": self.kecamatan_unknown}
            )
        return parts

    # Codes

    def _bps_file(self, features) -> bool:
        coded = [codes[0] for codes in map(self.keys.codes_of, features) if codes]
        bps = [code for code in coded if _is_bps(str(_code_text(code)))]
        if not bps or len(bps) * 2 < len(coded):
            return False
        self.result.notes.append(
            _(
                "Kode di berkas (misalnya %(example)s) bukan kode Kemendagri; tampaknya kode BPS. "
                "Fitur dicocokkan dengan nama di dalam kecamatannya, bukan dengan kode."
            )
            % {"example": bps[0]}
        )
        return True

    def _kemendagri(self, value, level: str) -> str | None:
        text = _code_text(value)
        if text is None or (self.bps and _BPS_CODE.match(text.casefold())):
            return None
        return normalise_code(text, level)

    def _kabupaten(self, feature) -> str | None:
        return next(filter(None, map(_kabupaten_of, self.keys.codes_of(feature))), None)

    # Kecamatan of a desa feature

    def _kecamatan_of(self, features) -> dict[int, tuple[str | None, str]]:
        """Each desa feature's kecamatan code (or None) and how it is known: "stated" (a
        property, which is trusted: an unknown kecamatan named there is not guessed around),
        "code" (the prefix of a Kemendagri desa code), "bps" (features sharing a BPS kecamatan
        code whose names fit one kecamatan), "location" (inside a stored kecamatan boundary)."""
        found = {}
        for feature in features:
            stated = self._stated_kecamatan(feature)
            if stated is not None:
                found[feature.index] = stated
                continue
            for value in self.keys.codes_of(feature):
                code = self._kemendagri(value, "desa")
                if code and code[:8] in self.registry.kecamatan:
                    found[feature.index] = (code[:8], "code")
                    break
        if self.bps:
            self._kecamatan_from_bps_groups(features, found)
        for feature in features:
            if feature.index not in found:
                code = self.registry.kecamatan_at(feature.geometry)
                if code:
                    found[feature.index] = (code, "location")
        return found

    def _stated_kecamatan(self, feature) -> tuple[str | None, str] | None:
        for key in self.keys.kecamatan:
            value = feature.properties.get(key)
            if value in (None, ""):
                continue
            code = self._kemendagri(value, "kecamatan")
            if code:
                return (code if code in self.registry.kecamatan else None, "stated")
            codes = self.registry.kecamatan_by_name.get(normalise_name(value), [])
            kabupaten = self._kabupaten(feature)
            if kabupaten and len(codes) > 1:
                codes = [code for code in codes if code.startswith(kabupaten)]
            return (codes[0] if len(codes) == 1 else None, "stated")
        return None

    def _kecamatan_from_bps_groups(self, features, found) -> None:
        groups = defaultdict(list)
        for feature in features:
            if feature.index in found:
                continue
            for value in self.keys.codes_of(feature):
                text = str(_code_text(value)).casefold().removeprefix("id")
                if _is_bps(text) and len(text) == 10:
                    groups[text[:7]].append(feature)
                    break
        for prefix, members in groups.items():
            kabupaten = f"{prefix[:2]}.{prefix[2:4]}"
            counts = Counter()
            for feature in members:
                name = self.keys.name_of(feature)
                for code in self.registry.kecamatan_in[kabupaten]:
                    if name and self.registry.in_parent.get((code, normalise_name(name))):
                        counts[code] += 1
            ranked = counts.most_common(2)
            if not ranked:
                continue
            best, count = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0
            if count >= 2 and count > runner_up and count * 2 >= len(members):
                for feature in members:
                    found[feature.index] = (best, "bps")

    # One feature

    def _match(self, feature, kecamatan) -> Proposal | None:
        name = self.keys.name_of(feature)
        for value in self.keys.codes_of(feature):
            code = self._kemendagri(value, self.level)
            if code in self.registry.rows:
                self._by_code(feature, code, name, kecamatan)
                return None
        if name is None:
            self._unmatched(feature)
            return None
        key = normalise_name(name)
        if self.level == "kecamatan":
            kabupaten = self._kabupaten(feature)
            if kabupaten:
                candidates = self.registry.in_kabupaten[kabupaten, key]
                scope = self.registry.by_parent[kabupaten]
            else:
                candidates = self.registry.by_name[key]
                scope = list(self.registry.rows)
            return self._by_name(feature, name, candidates, scope, "")

        kecamatan_code, how = kecamatan or (None, None)
        if kecamatan_code:
            candidates = self.registry.in_parent[kecamatan_code, key]
            scope = self.registry.by_parent[kecamatan_code]
            where = _("dalam Kecamatan %(name)s") % {
                "name": self.registry.kecamatan[kecamatan_code][0]
            }
            return self._by_name(feature, name, candidates, scope, where)
        if how == "stated":  # the file names a kecamatan the registry does not hold
            self._unmatched(feature)
            return None
        self.kecamatan_unknown += 1
        kabupaten = self._kabupaten(feature)
        if kabupaten:
            candidates = self.registry.in_kabupaten[kabupaten, key]
        else:
            candidates = self.registry.by_name[key]
        if len(candidates) > 1:
            self.result.ambiguous.append((feature.label, sorted(candidates)))
            return None
        if not candidates:
            self._unmatched(feature)
            return None
        code = candidates[0]
        return Proposal(
            code=code,
            name=self.registry.name(code),
            feature=feature.label,
            feature_name=str(name),
            index=feature.index,
            score=1.0,
            reason=_(
                "nama sama, tetapi kecamatan desa di berkas tidak diketahui (di daftar: "
                "Kecamatan %(kecamatan)s)"
            )
            % {"kecamatan": self.registry.kecamatan[self.registry.parent(code)][0]},
        )

    def _by_code(self, feature, code, name, kecamatan) -> None:
        row_name = self.registry.name(code)
        stated = kecamatan[0] if kecamatan and kecamatan[1] == "stated" else None
        if self.level == "desa" and stated and stated != self.registry.parent(code):
            self._refuse(
                feature,
                code,
                _(
                    "kode %(code)s (%(name)s) ada di Kecamatan %(row_kecamatan)s, tetapi "
                    "berkas menyebut Kecamatan %(kecamatan)s; tidak diterapkan. Perbaiki "
                    "kode atau kecamatan di berkas."
                )
                % {
                    "code": code,
                    "name": row_name,
                    "row_kecamatan": self.registry.kecamatan[self.registry.parent(code)][0],
                    "kecamatan": self.registry.kecamatan[kecamatan[0]][0],
                },
            )
            return
        if name is None or normalise_name(name) == normalise_name(row_name):
            self.applied[code].append((feature, BY_CODE, ""))
            return
        key = normalise_name(name)
        others = [c for c in self.registry.in_kabupaten[code[:5], key] if c != code]
        score = name_score(name, row_name)
        if not others and score >= CLOSE_SCORE:
            note = _("Nama di berkas “%(name)s”, di daftar wilayah “%(row)s”.") % {
                "name": name,
                "row": row_name,
            }
            self.applied[code].append((feature, BY_CODE, note))
            return
        if others:
            detail = _("nama itu milik %(level)s %(codes)s") % {
                "level": self.level,
                "codes": ", ".join(
                    f"{other} {self.registry.name(other)}" for other in sorted(others)
                ),
            }
        else:
            detail = _("kemiripan nama %(score).2f") % {"score": score}
        self._refuse(
            feature,
            code,
            _(
                "kode %(code)s adalah %(row)s, tetapi nama di berkas “%(name)s” "
                "(%(detail)s); kode dan nama tidak sepakat, jadi tidak diterapkan. Perbaiki kode "
                "atau nama di berkas."
            )
            % {"code": code, "row": row_name, "name": name, "detail": detail},
        )

    def _by_name(self, feature, name, candidates, scope, where) -> Proposal | None:
        if len(candidates) == 1:
            self.applied[candidates[0]].append((feature, BY_NAME, ""))
            return None
        if len(candidates) > 1:
            self.result.ambiguous.append((feature.label, sorted(candidates)))
            return None
        key = normalise_name(name)
        best, best_score = None, 0.0
        for code in scope:
            matcher = difflib.SequenceMatcher(None, key, normalise_name(self.registry.name(code)))
            if matcher.quick_ratio() >= CLOSE_SCORE and (score := matcher.ratio()) > best_score:
                best, best_score = code, score
        if best is None or best_score < CLOSE_SCORE:
            self._unmatched(feature)
            return None
        reason = _("ejaan mirip") + (f" {where}" if where else "")
        return Proposal(
            code=best,
            name=self.registry.name(best),
            feature=feature.label,
            feature_name=str(name),
            index=feature.index,
            score=round(best_score, 2),
            reason=reason,
        )

    def _unmatched(self, feature) -> None:
        self.result.unmatched.append(feature.label)
        self.result.unmatched_indexes.append(feature.index)

    def _refuse(self, feature, code, reason) -> None:
        self.result.refused.append(Refusal(feature.label, feature.index, reason, code))

    def _settle_proposals(self, proposals, accept: dict, accept_all: bool) -> None:
        """Keep the best proposal for each area not already matched; apply the accepted ones."""
        proposals.sort(key=lambda proposal: (-proposal.score, proposal.index))
        taken = set(self.applied)
        for proposal in proposals:
            if proposal.code in taken:
                self.result.unmatched.append(proposal.feature)
                self.result.unmatched_indexes.append(proposal.index)
                continue
            taken.add(proposal.code)
            self.result.proposals.append(proposal)
        for proposal in self.result.proposals:
            wanted = proposal.code in accept
            named = accept.get(proposal.code)
            if named and normalise_name(named) != normalise_name(proposal.feature_name):
                wanted = False
            if accept_all or wanted:
                proposal.accepted = True
        for code in sorted(set(accept) - {p.code for p in self.result.proposals if p.accepted}):
            self.result.notes.append(
                _("Tidak ada usulan untuk %(code)s yang dapat diterima.") % {"code": code}
            )
        self.result.proposals.sort(key=lambda proposal: proposal.code)
        for proposal in self.result.proposals:
            if proposal.accepted:
                feature = self._features[proposal.index]
                self.applied[proposal.code].append((feature, BY_PROPOSAL, ""))


def _parse_accept(items: Iterable[str]) -> dict[str, str | None]:
    """``{"35.07.04.2011": "Sumbermanjing"}`` from ``["35.07.04.2011=Sumbermanjing"]``; a bare
    code accepts whatever feature is proposed for it."""
    accepted = {}
    for item in items:
        code, sep, name = str(item).partition("=")
        accepted[code.strip()] = name.strip() if sep and name.strip() else None
    return accepted
