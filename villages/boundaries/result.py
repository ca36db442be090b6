"""What an import reports: ``ImportResult`` and the records it holds (``Match``, ``Proposal``,
``Refusal``), the ``BY_*`` words for how an area was matched, and ``BoundaryError``, raised before
anything is written."""

from dataclasses import dataclass, field

# How an area was matched, as ``Match.how`` says it.
BY_CODE = "kode"
BY_NAME = "nama"
BY_PROPOSAL = "usulan"


class BoundaryError(Exception):
    """The input cannot be imported as it is; the message (Bahasa Indonesia) says which file or
    feature and what to do. Raised before anything is written."""


@dataclass
class Match:
    """An area that gets a boundary: its code and name, how it was matched (``BY_CODE``,
    ``BY_NAME`` or ``BY_PROPOSAL``, several when several features make it up), the labels and
    input positions of its features, and a note (e.g. a name spelt differently from the
    registry's)."""

    code: str
    name: str
    how: list[str]
    features: list[str]
    indexes: list[int]
    note: str = ""


@dataclass
class Proposal:
    """A feature that probably is the area ``code`` but is not applied until the user accepts:
    its name is only close to the area's, or the desa's kecamatan is unknown. ``score`` is the
    similarity of the names (1.0 for the same name)."""

    code: str
    name: str
    feature: str
    feature_name: str
    index: int
    score: float
    reason: str
    accepted: bool = False


@dataclass
class Refusal:
    """A feature that matched an area but is not applied, and why (a sentence for the user)."""

    feature: str
    index: int
    reason: str
    code: str | None = None


@dataclass
class ImportResult:
    """What an import matched and stored (or, on a dry run, would store).

    ``matched`` and ``updated`` are row codes (``updated`` only those whose stored boundary
    changed, so importing the same file again lists none); ``matches`` says for each matched
    area how (code, name or accepted proposal) and by which features; ``unmatched`` are feature
    labels (``unmatched_indexes`` their input positions); ``ambiguous`` pairs a feature label
    with the codes its name fits; ``proposals`` are close matches awaiting the user's word (the
    accepted ones are applied and marked so); ``refused`` are features matched but not applied
    (code and name disagree, far outside the area); ``empty`` are codes whose geometry vanished
    when simplified. ``notes`` are sentences about the file as a whole (another code scheme,
    desa without a known kecamatan, the file's properties when nothing matched).
    ``stored_bytes`` is the size of the matched geometries as the database stores them (JSON)."""

    level: str
    dry_run: bool = False
    matched: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    unmatched_indexes: list[int] = field(default_factory=list)
    ambiguous: list[tuple[str, list[str]]] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    stored_bytes: int = 0
    vertices_in: int = 0
    vertices_out: int = 0
