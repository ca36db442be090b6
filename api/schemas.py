"""The shapes the read API answers with (pydantic, through django-ninja): they make its
OpenAPI document. Field names are English code words, as in the monthly report's JSON
(``reports.publishing.snapshot``); wilayah nouns stay Indonesian."""

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class Error(Schema):
    detail: str = Field(description="Why the request was refused, in the user's language.")


class WilayahOut(Schema):
    code: str = Field(description="Kemendagri code: 35, 35.07, 35.07.08, 35.07.08.2001.")
    name: str
    level: str = Field(description="provinsi, kabupaten, kecamatan or desa.")
    parent: str | None = Field(description="Code of the wilayah above; null for a provinsi.")


class LevelCounts(Schema):
    pemula: int
    berkembang: int
    mandiri: int


class AreaCoverageOut(Schema):
    code: str
    name: str
    desa_total: int
    desa_covered: int
    coverage_percent: float
    kim_formed: int
    kim_active: int
    active_by_level: LevelCounts


class TargetRef(Schema):
    year: int
    kim_count: int
    missing: int = Field(description="KIM still to form to reach it (never negative).")


class CoverageOut(Schema):
    tanggal: datetime.date = Field(description="The date the figures are as of.")
    wilayah: str = Field(description="The wilayah code asked for; empty: the token's scope.")
    kim_formed: int
    kim_active: int
    desa_total: int
    desa_covered: int
    coverage_percent: float
    kecamatan_total: int
    kecamatan_without_active_kim: int
    kim_mandiri: int
    active_by_level: LevelCounts
    target: TargetRef | None = Field(
        description="The target the date measures against, when the wilayah holds every "
        "kecamatan the targets are set for."
    )
    kecamatan: list[AreaCoverageOut]


class ComparisonTargetOut(TargetRef):
    percent: float = Field(description="KIM formed as a share of the target, in percent.")


class ComparisonRowOut(Schema):
    code: str = Field(description="The area's Kemendagri code; empty for the total.")
    name: str
    desa_total: int
    desa_covered: int
    coverage_percent: float
    kim_formed: int
    kim_active: int
    kim_needing_check: int = Field(
        description="Active KIM with no activity recorded in the monitoring period."
    )
    target: ComparisonTargetOut | None = Field(description="The area's own target, if any.")


class ComparisonOut(Schema):
    tanggal: datetime.date = Field(description="The date the figures are as of.")
    wilayah: str = Field(description="The wilayah code asked for; empty: the token's scope.")
    level: str = Field(description="What the areas are: provinsi, kabupaten or kecamatan.")
    areas: list[ComparisonRowOut]
    total: ComparisonRowOut


class OfficersOut(Schema):
    """Names and phone numbers of the KIM's officers: personal data."""

    chair_name: str
    chair_phone: str
    secretary_name: str
    secretary_phone: str
    treasurer_name: str
    treasurer_phone: str


class KIMOut(Schema):
    id: int
    name: str
    desa_code: str
    desa: str
    kecamatan_code: str
    kecamatan: str
    formed_on: datetime.date
    level: str | None = Field(description="Level in force on the date asked.")
    active: bool = Field(description="Active on the date asked.")
    sk_number: str
    sk_date: datetime.date | None
    sk_issuer: str
    member_count: int | None
    address: str
    email: str
    website: str
    facebook: str
    instagram: str
    youtube: str
    is_demo: bool
    officers: OfficersOut | None = Field(
        description="Only for tokens whose user may see personal data (Petugas, Manajer)."
    )


class ActivityOut(Schema):
    id: int
    occurred_on: datetime.date
    kind: str
    kind_label: str
    description: str
    link: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class TargetOut(Schema):
    year: int
    kim_count: int
    note: str
    wilayah: str = Field(description="The wilayah the target is set for; empty: all of them.")


class ReportFigure(Schema):
    label: str
    value: int | float
    is_percent: bool
    vs_previous_month: int | float | None
    vs_previous_december: int | float | None


class ReportTarget(Schema):
    year: int
    kim_count: int
    reached: int | None
    missing: int | None


class ReportAreas(Schema):
    header: list[str]
    rows: list[list[Any]]


class ReportWilayah(Schema):
    code: str
    name: str
    level: str


class MonthlyReportOut(Schema):
    """The monthly report's every figure and list, as its publication keeps them
    (``reports.publishing.snapshot``): no personal data."""

    month: str
    as_of: datetime.date
    wilayah: ReportWilayah | None
    is_demo: bool
    figures: dict[str, ReportFigure]
    target: ReportTarget | None
    areas: ReportAreas
    formed: list[dict[str, Any]]
    status_events: list[dict[str, Any]]
    desa_without_kim: list[str]
    kim_needing_check: list[dict[str, Any]]
    kim_mandiri: list[dict[str, Any]]
