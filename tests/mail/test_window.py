"""The sending window in the lead's own timezone."""

from __future__ import annotations

from datetime import UTC, datetime

from leadq.mail.window import seconds_until_open, zone


def test_inside_business_hours_there_is_no_wait():
    assert seconds_until_open(datetime(2026, 11, 23, 15, 0, tzinfo=UTC), zone("UTC"), 9, 17) == 0


def test_before_opening_the_wait_ends_at_opening_in_the_leads_zone():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 06:00 in Chicago
    assert seconds_until_open(now, zone("America/Chicago"), 9, 17) == 3 * 3600


def test_after_closing_the_wait_ends_at_next_mornings_opening():
    now = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)
    assert seconds_until_open(now, zone("UTC"), 9, 17) == 15.5 * 3600


def test_across_a_dst_change_the_opening_keeps_its_local_hour():
    now = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)  # 18:00 PST on Mar 7; clocks spring forward overnight
    wait = seconds_until_open(now, zone("America/Los_Angeles"), 9, 17)
    assert wait == 14 * 3600  # 09:00 PDT = 16:00 UTC


def test_an_unknown_scraped_timezone_falls_back():
    assert zone("Not/AZone", "America/Denver").key == "America/Denver"
    assert zone(None).key == "UTC"
