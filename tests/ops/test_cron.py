"""Cron specs fire exactly when cron says, Sundays included (periodiq 0.14 misses them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadq.ops.cron import InvalidCron, next_fire, parse_cron, previous_fire

UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday; the week ends Sunday 22nd 23:59


def week_minutes():
    return [MONDAY + timedelta(minutes=i) for i in range(7 * 24 * 60)]


SUNDAY_SPECS = {
    "@weekly": lambda t: t.isoweekday() == 7 and t.hour == 0 and t.minute == 0,
    "0 9 * * 0": lambda t: t.isoweekday() == 7 and t.hour == 9 and t.minute == 0,
    "0 9 * * sun": lambda t: t.isoweekday() == 7 and t.hour == 9 and t.minute == 0,
    "30 6 * * 7": lambda t: t.isoweekday() == 7 and t.hour == 6 and t.minute == 30,
    "0 12 * * 6,0": lambda t: t.isoweekday() in (6, 7) and t.hour == 12 and t.minute == 0,
    "0 7 * * 1-5": lambda t: t.isoweekday() <= 5 and t.hour == 7 and t.minute == 0,
    "15,45 3 * * *": lambda t: t.hour == 3 and t.minute in (15, 45),
}


@pytest.mark.parametrize("spec", SUNDAY_SPECS)
def test_each_spec_matches_exactly_the_minutes_cron_means_over_a_week(spec):
    cron = parse_cron(spec)
    expected = [t for t in week_minutes() if SUNDAY_SPECS[spec](t)]
    assert [t for t in week_minutes() if cron.matches(t)] == expected
    assert expected, "the oracle must expect at least one tick in a week"


@pytest.mark.parametrize("spec", SUNDAY_SPECS)
def test_next_and_previous_fire_walk_the_same_ticks_as_matching(spec):
    cron = parse_cron(spec)
    expected = [t for t in week_minutes() if SUNDAY_SPECS[spec](t)]
    walked, moment = [], MONDAY - timedelta(seconds=1)
    while (moment := next_fire(cron, moment)) < MONDAY + timedelta(days=7):
        walked.append(moment)
    assert walked == expected
    for tick in expected:
        assert previous_fire(cron, tick + timedelta(seconds=59)) == tick


def test_weekly_spec_fires_on_sunday_midnight():
    saturday_noon = datetime(2026, 11, 21, 12, tzinfo=UTC)
    assert next_fire(parse_cron("@weekly"), saturday_noon) == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)


def test_next_fire_resets_the_minute_when_it_jumps_to_a_later_hour():
    assert next_fire(parse_cron("15,45 3 * * *"), datetime(2026, 11, 21, 10, 30, tzinfo=UTC)) == datetime(
        2026, 11, 22, 3, 15, tzinfo=UTC
    )


def test_day_of_month_or_weekday_matches_when_both_are_restricted():
    cron = parse_cron("0 0 1 * 1")  # the 1st of the month, and every Monday
    assert cron.matches(datetime(2026, 12, 1, tzinfo=UTC))  # a Tuesday
    assert cron.matches(datetime(2026, 11, 16, tzinfo=UTC))  # a Monday
    assert not cron.matches(datetime(2026, 11, 17, tzinfo=UTC))


def test_ticks_follow_the_wall_clock_of_the_given_time_zone():
    paris = ZoneInfo("Europe/Paris")
    tick = next_fire(parse_cron("0 1 * * *"), datetime(2026, 11, 21, 12, tzinfo=paris))
    assert tick.astimezone(UTC) == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("61 * * * *", "minute must be within 0-59"),
        ("* * *", "expected 'minute hour day month weekday'"),
        ("* * * * * *", "expected 5 fields"),
        ("@reboot", "unknown cron name"),
        ("*/0 * * * *", "invalid cron spec"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 * * 8", "day of week must be within 0-7"),
    ],
)
def test_invalid_specs_are_rejected_with_a_clear_message(spec, message):
    with pytest.raises(InvalidCron, match=message):
        parse_cron(spec)
