"""A lead's timezone: from its phone number, else its single-zone US state, else unset."""

from __future__ import annotations

import pytest

from leadq.db import session_scope
from leadq.leads.record import LeadRecord
from leadq.leads.store import upsert_lead
from leadq.leads.timezones import lead_timezone


@pytest.mark.parametrize(
    ("phone", "region", "country", "expected"),
    [
        ("+12135550134", None, None, "America/Los_Angeles"),  # a Los Angeles area code
        ("+12125550134", "CA", "US", "America/New_York"),  # the phone outranks the state
        ("+33142685300", None, "FR", "Europe/Paris"),
        ("+18005550134", "IL", "US", "America/Chicago"),  # toll-free: every US zone, so the state
        ("+18005550134", None, None, None),  # toll-free and no state: unknown, not guessed
        ("+18005550134", "TX", "US", None),  # Texas spans two zones
        (None, "wa", None, "America/Los_Angeles"),
        (None, "WA", "AU", None),  # Western Australia, not Washington
        ("+61255501234", "WA", None, "Australia/Sydney"),
        ("+441632960000", None, "GB", None),  # a prefix phonenumbers has no zone for
        ("not a phone", "OR", "US", None),  # Oregon spans two zones
    ],
)
def test_the_timezone_comes_from_the_phone_then_a_single_zone_state(phone, region, country, expected):
    assert lead_timezone(phone=phone, region=region, country=country) == expected


def test_a_stored_lead_gets_its_timezone_and_a_later_source_fills_a_gap(settings):
    with session_scope(settings) as session:
        lead, _ = upsert_lead(
            LeadRecord(source="craigslist", external_id="1", name="LA Plumbing", phones=["+12135550134"]),
            session=session,
        )
        assert lead.timezone == "America/Los_Angeles"
        toll_free, _ = upsert_lead(
            LeadRecord(source="craigslist", external_id="2", name="Pipes", phones=["+18005550134"]),
            session=session,
        )
        assert toll_free.timezone is None
        merged, outcome = upsert_lead(
            LeadRecord(source="yellowpages", external_id="9", phones=["+18005550134"], region="GA"),
            session=session,
        )
        assert (merged.id, outcome, merged.timezone) == (toll_free.id, "merged", "America/New_York")


@pytest.mark.parametrize(
    ("phone", "latitude", "longitude", "expected"),
    [
        ("+18005550134", 31.76, -106.44, "America/Denver"),  # El Paso: Texas, but Mountain time
        ("+18005550134", 30.27, -97.74, "America/Chicago"),  # Austin
        (None, 39.77, -86.16, "America/Indiana/Indianapolis"),
        ("+12125550134", 34.05, -118.24, "America/New_York"),  # the phone still outranks
        ("+18005550134", 0.0, -30.0, None),  # at sea: Etc/GMT+2 is no place's zone
        ("+18005550134", 123.0, 500.0, None),  # off the map
    ],
)
def test_when_the_phone_spans_zones_the_coordinates_decide(phone, latitude, longitude, expected):
    zone = lead_timezone(phone=phone, region="TX", country="US", latitude=latitude, longitude=longitude)
    assert zone == expected


def test_a_stored_google_maps_lead_in_el_paso_gets_mountain_time(settings):
    with session_scope(settings) as session:
        lead, _ = upsert_lead(
            LeadRecord(
                source="google-maps",
                external_id="el-paso-1",
                name="Sun City Plumbing",
                phones=["+18005550134"],
                region="TX",
                country="US",
                latitude=31.76,
                longitude=-106.44,
            ),
            session=session,
        )
    assert lead.timezone == "America/Denver"
