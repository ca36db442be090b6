"""``kimtracker.dates``: month ends, the same day months earlier, and no date in the future."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kimtracker.dates import month_end, months_before, validate_not_in_future

D = datetime.date


def test_month_end():
    assert month_end(2023, 6) == D(2023, 6, 30)
    assert month_end(2024, 2) == D(2024, 2, 29)
    assert month_end(2023, 2) == D(2023, 2, 28)
    assert month_end(2025, 12) == D(2025, 12, 31)


def test_months_before():
    assert months_before(D(2025, 9, 24), 6) == D(2025, 3, 24)
    assert months_before(D(2025, 8, 31), 6) == D(2025, 2, 28)
    assert months_before(D(2024, 1, 15), 1) == D(2023, 12, 15)
    assert months_before(D(2024, 3, 31), 1) == D(2024, 2, 29)


def test_months_before_the_calendar_starts():
    """An "as of" date in year 1 (typed or generated) asks for a day before the calendar's
    first: that is its first day, not a ValueError (a 500 on every page with figures)."""
    assert months_before(D(1, 3, 31), 6) == D.min
    assert months_before(D(1, 12, 31), 6) == D(1, 6, 30)
    assert months_before(D(9999, 12, 31), -1) == D.max


def test_validate_not_in_future():
    today = timezone.localdate()
    validate_not_in_future(today)
    validate_not_in_future(None)
    with pytest.raises(ValidationError) as error:
        validate_not_in_future(today + datetime.timedelta(days=1))
    assert error.value.code == "future_date"
