"""Cron specs are read with cron's weekday numbering, and bad ones are refused in one line."""

from __future__ import annotations

import pytest
from periodiq import cron

from leadq.cron import InvalidCron, from_periodiq, parse_cron


def test_sunday_is_weekday_zero_however_it_is_written():
    for spec in ("@weekly", "0 9 * * 0", "0 9 * * sun", "30 6 * * 7"):
        assert parse_cron(spec).weekdays == (0,), spec
    assert parse_cron("0 12 * * 6,7").weekdays == (0, 6)


def test_an_actors_periodiq_spec_reads_as_the_same_cron():
    assert from_periodiq(cron("*/15 * * * *")) == parse_cron("*/15 * * * *")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("61 * * * *", "minute must be within 0-59"),
        ("* * *", "expected 'minute hour day month weekday'"),
        ("* * * * * *", "expected 5 fields"),
        ("@reboot", "unknown cron name"),
        ("*/0 * * * *", "invalid cron spec"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6 *", "never fires"),
        ("0 0 * * 8", "day of week must be within 0-7"),
    ],
)
def test_invalid_specs_are_rejected_with_a_clear_message(spec, message):
    with pytest.raises(InvalidCron, match=message):
        parse_cron(spec)


def test_a_day_that_exists_only_in_leap_years_still_fires():
    assert parse_cron("0 0 29 2 *").days == (29,)
