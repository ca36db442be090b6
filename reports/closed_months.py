"""The rule ``villages.periods`` asks before a dated write: with
``KIM_PUBLISHED_MONTHS_NEED_MANAGER`` on, a write bearing on a month whose report is published
(dated on or before its as-of date, in a desa within its wilayah) needs the Manajer role and a
reason. Off (the default), such writes are allowed and the report page shows the difference
(``reports.publishing.difference``)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kimtracker.roles import PERM_PUBLISH
from villages.models import Desa

from .models import Publication


def check(*, by, writes, reason: str) -> None:
    if not settings.KIM_PUBLISHED_MONTHS_NEED_MANAGER:
        return
    closed = dict(
        Publication.objects.filter(status=Publication.Status.DONE)
        .order_by()
        .values_list("wilayah_code")
        .annotate(until=Max("as_of"))
    )
    if not closed:
        return
    desa_ids = {desa for desa, _on in writes}
    codes = dict(Desa.objects.filter(pk__in=desa_ids).values_list("pk", "code"))
    hits = [
        (on, until)
        for desa, on in writes
        for wilayah, until in closed.items()
        if on <= until and (not wilayah or codes.get(desa, "").startswith(f"{wilayah}."))
    ]
    if not hits:
        return
    may = by is None or by.is_superuser or by.has_perm(PERM_PUBLISH)
    if may and reason.strip():
        return
    on, until = min(hits)
    raise ValidationError(
        _(
            "Tanggal %(date)s masuk periode yang laporannya sudah terbit (sampai %(until)s). "
            "Perubahan ini hanya dapat dicatat oleh Manajer, dengan alasan."
        )
        % {"date": date_format(on, "DATE_FORMAT"), "until": date_format(until, "DATE_FORMAT")}
    )
