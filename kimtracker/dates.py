"""Calendar arithmetic and the "not in the future" and "not before the earliest date" rules,
shared by every layer: the registry's
fields and reads (``villages``), the "as of" date of every page (``kimtracker.asof``) and the
figures and reports (``reports``)."""

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def month_end(year: int, month: int) -> datetime.date:
    """The last day of ``month`` of ``year``."""
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` earlier (the month's last day when it is shorter). A day before
    the calendar's first (year 1, for an "as of" date in its first months) is its first day,
    ``datetime.date.min``: nothing happened before either."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    if year < datetime.MINYEAR:
        return datetime.date.min
    if year > datetime.MAXYEAR:
        return datetime.date.max
    return datetime.date(year, month, min(day.day, month_end(year, month).day))


def validate_not_in_future(value):
    """A date of something that has already happened (formation, status change), or an "as of"
    date: today in WIB at the latest."""
    if value and value > timezone.localdate():
        raise ValidationError(
            _("Tanggal %(date)s belum terjadi; tanggal tidak boleh di masa depan."),
            code="future_date",
            params={"date": value.isoformat()},
        )


def earliest_date() -> datetime.date:
    """The earliest date a fact of the registry can have (``KIM_EARLIEST_DATE``, 2000-01-01 by
    default): KIM began long after it, and a date like 0001-01-01 is a slip that would
    stretch every chart and report over two thousand years."""
    return settings.KIM_EARLIEST_DATE


def validate_not_before_earliest(value):
    """A date of the registry (formation, SK, status change, activity) on or after
    ``earliest_date()``, read when checked so that migrations do not freeze it."""
    earliest = earliest_date()
    if value and value < earliest:
        raise ValidationError(
            _(
                "Tanggal %(date)s terlalu awal; tanggal paling awal yang diterima adalah "
                "%(earliest)s."
            ),
            code="date_too_early",
            params={"date": value.isoformat(), "earliest": earliest.isoformat()},
        )


def validate_year_not_before_earliest(value):
    """A year (of a target) not before the year of ``earliest_date()``."""
    earliest = earliest_date()
    if value is not None and value < earliest.year:
        raise ValidationError(
            _("Tahun %(year)s terlalu awal; tahun paling awal yang diterima adalah %(earliest)s."),
            code="year_too_early",
            params={"year": value, "earliest": earliest.year},
        )
