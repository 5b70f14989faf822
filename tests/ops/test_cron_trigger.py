"""APScheduler's cron trigger, built by leadq: ticks exactly where cron puts them, DST included."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadq.ops.cron_trigger import LeadqCronTrigger

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday; the week ends Sunday 22nd 23:59

#: Written by hand from cron(5), independently of leadq's and APScheduler's code.
SPECS = {
    "@weekly": lambda t: t.isoweekday() == 7 and t.hour == 0 and t.minute == 0,
    "0 9 * * 0": lambda t: t.isoweekday() == 7 and t.hour == 9 and t.minute == 0,
    "0 9 * * sun": lambda t: t.isoweekday() == 7 and t.hour == 9 and t.minute == 0,
    "30 6 * * 7": lambda t: t.isoweekday() == 7 and t.hour == 6 and t.minute == 30,
    "0 12 * * 6,0": lambda t: t.isoweekday() in (6, 7) and t.hour == 12 and t.minute == 0,
    "0 7 * * 1-5": lambda t: t.isoweekday() <= 5 and t.hour == 7 and t.minute == 0,
    "15,45 3 * * *": lambda t: t.hour == 3 and t.minute in (15, 45),
    "*/15 * * * *": lambda t: t.minute % 15 == 0,
    "0 0 17 * 1": lambda t: (t.day == 17 or t.isoweekday() == 1) and t.hour == 0 and t.minute == 0,
}


def walk(trigger, start: datetime, end: datetime) -> list[datetime]:
    """The fire times APScheduler would use between ``start`` and ``end``, as it asks for them."""
    ticks, moment = [], trigger.get_next_fire_time(None, start)
    while moment is not None and moment < end:
        ticks.append(moment)
        moment = trigger.get_next_fire_time(moment, moment)
    return ticks


@pytest.mark.parametrize("spec", SPECS)
def test_each_spec_fires_on_exactly_the_minutes_cron_means_over_a_week(spec):
    week = [MONDAY + timedelta(minutes=i) for i in range(7 * 24 * 60)]
    expected = [t for t in week if SPECS[spec](t)]
    assert expected, "the oracle must expect at least one tick in a week"
    assert walk(LeadqCronTrigger(spec, "UTC"), MONDAY, MONDAY + timedelta(days=7)) == expected


def test_weekdays_are_cron_weekdays_and_the_trigger_survives_pickling():
    trigger = pickle.loads(pickle.dumps(LeadqCronTrigger("0 7 * * 1-5", "UTC")))
    saturday = datetime(2026, 11, 21, 12, tzinfo=UTC)
    # APScheduler 3's own crontab parser would say Tuesday to Saturday.
    assert trigger.get_next_fire_time(None, saturday) == datetime(2026, 11, 23, 7, tzinfo=UTC)
    assert str(trigger) == "cron[0 7 * * 1-5]"


def test_ticks_follow_the_wall_clock_of_the_schedules_time_zone():
    tick = LeadqCronTrigger("0 1 * * *", "Europe/Paris").get_next_fire_time(None, MONDAY)
    assert tick.astimezone(UTC) == MONDAY  # 01:00 in Paris is midnight UTC in November


def test_a_tick_in_the_hour_skipped_in_spring_fires_once_an_hour_later():
    # 2027-03-14: New York's clocks jump from 02:00 to 03:00 (EST to EDT).
    trigger = LeadqCronTrigger("30 2 * * *", "America/New_York")
    ticks = walk(trigger, datetime(2027, 3, 13, 12, tzinfo=NEW_YORK), datetime(2027, 3, 16, tzinfo=NEW_YORK))
    assert [t.astimezone(UTC) for t in ticks] == [
        datetime(2027, 3, 14, 7, 30, tzinfo=UTC),  # 03:30 EDT: the 02:30 that did not exist
        datetime(2027, 3, 15, 6, 30, tzinfo=UTC),  # 02:30 EDT
    ]


def test_every_half_hour_skips_the_minutes_that_do_not_exist_in_spring():
    trigger = LeadqCronTrigger("*/30 * * * *", "America/New_York")
    start = datetime(2027, 3, 14, 5, 50, tzinfo=UTC)  # 00:50 EST
    ticks = walk(trigger, start, start + timedelta(hours=3))
    assert [t.astimezone(NEW_YORK).strftime("%H:%M %Z") for t in ticks] == [
        "01:00 EST", "01:30 EST", "03:00 EDT", "03:30 EDT", "04:00 EDT", "04:30 EDT"
    ]  # fmt: skip
    instants = [t.astimezone(UTC) for t in ticks]  # same-zone subtraction would use the wall clock
    assert all(b - a == timedelta(minutes=30) for a, b in zip(instants, instants[1:], strict=False))


def test_a_daily_tick_in_the_hour_repeated_in_autumn_fires_once():
    # 2026-11-01: New York's clocks go back from 02:00 EDT to 01:00 EST; 01:30 happens twice.
    trigger = LeadqCronTrigger("30 1 * * *", "America/New_York")
    ticks = walk(trigger, datetime(2026, 10, 31, 12, tzinfo=NEW_YORK), datetime(2026, 11, 3, tzinfo=NEW_YORK))
    assert [t.astimezone(UTC) for t in ticks] == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT, the first of the two
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),  # 01:30 EST
    ]


def test_an_hourly_spec_fires_on_both_passes_of_the_repeated_hour():
    trigger = LeadqCronTrigger("*/30 * * * *", "America/New_York")
    start = datetime(2026, 11, 1, 4, 50, tzinfo=UTC)  # 00:50 EDT
    ticks = walk(trigger, start, start + timedelta(hours=3))
    assert [t.astimezone(UTC) - start for t in ticks] == [timedelta(minutes=10 + 30 * i) for i in range(6)]


def test_no_tick_is_ever_in_the_past_around_either_change():
    # The old calendar once answered a previous fire 30 minutes after "now" in New York.
    trigger = LeadqCronTrigger("30 * * * *", "America/New_York")
    for day in (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2027, 3, 14, 5, tzinfo=UTC)):
        for minutes in range(0, 4 * 60, 7):
            now = day + timedelta(minutes=minutes)
            tick = trigger.get_next_fire_time(None, now)
            assert now <= tick <= now + timedelta(hours=1), now
