"""A lead's IANA timezone, so outreach goes out in its business hours rather than UTC's.

The phone number decides first: phonenumbers' timezone data maps a number's
prefix (a US area code, a French département...) to the zones it covers, and
one zone is an answer. A number that covers several (US toll-free 800 numbers,
an unknown prefix) falls back to the lead's coordinates when it has them
(Google Maps places do): tzfpy looks the point up in the timezone-boundary
map its wheel carries, offline; El Paso is Mountain time though Texas is
mostly Central. Without coordinates the lead's US state decides, when the
state lies in a single zone. States split between zones (Texas, Florida,
Indiana...) are left unset rather than guessed: the campaign's timezone is a
better fallback than a wrong zone.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers.timezone import UNKNOWN_TIMEZONE, time_zones_for_number
from tzfpy import get_tz

#: US states, DC and Puerto Rico that lie wholly in one IANA zone, by USPS code.
#: Missing on purpose (several zones): AK, AZ (Navajo Nation keeps DST), FL, ID,
#: IN, KS, KY, MI, ND, NE, NV, OR, SD, TN, TX.
SINGLE_ZONE_STATES = {
    "AL": "America/Chicago",
    "AR": "America/Chicago",
    "CA": "America/Los_Angeles",
    "CO": "America/Denver",
    "CT": "America/New_York",
    "DC": "America/New_York",
    "DE": "America/New_York",
    "GA": "America/New_York",
    "HI": "Pacific/Honolulu",
    "IA": "America/Chicago",
    "IL": "America/Chicago",
    "LA": "America/Chicago",
    "MA": "America/New_York",
    "MD": "America/New_York",
    "ME": "America/New_York",
    "MN": "America/Chicago",
    "MO": "America/Chicago",
    "MS": "America/Chicago",
    "MT": "America/Denver",
    "NC": "America/New_York",
    "NH": "America/New_York",
    "NJ": "America/New_York",
    "NM": "America/Denver",
    "NY": "America/New_York",
    "OH": "America/New_York",
    "OK": "America/Chicago",
    "PA": "America/New_York",
    "PR": "America/Puerto_Rico",
    "RI": "America/New_York",
    "SC": "America/New_York",
    "UT": "America/Denver",
    "VA": "America/New_York",
    "VT": "America/New_York",
    "WA": "America/Los_Angeles",
    "WI": "America/Chicago",
    "WV": "America/New_York",
    "WY": "America/Denver",
}


def phone_timezone(phone: str | None) -> str | None:
    """The one zone an E.164 ``phone`` belongs to, or None when it is unknown or ambiguous."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return None
    zones = time_zones_for_number(number)
    # A prefix phonenumbers has no data for answers (UNKNOWN_TIMEZONE,).
    return zones[0] if len(zones) == 1 and zones[0] != UNKNOWN_TIMEZONE else None


def state_timezone(region: str | None, country: str | None, phone: str | None) -> str | None:
    """The zone of a US state that has only one, when the lead is in the US.

    Without a country, a North American (+1) phone or no phone at all makes
    the two-letter region a US state; otherwise "WA" may be Western Australia.
    """
    if not region:
        return None
    in_us = country.upper() == "US" if country else not phone or phone.startswith("+1")
    return SINGLE_ZONE_STATES.get(region.strip().upper()) if in_us else None


def coordinates_timezone(latitude: float | None, longitude: float | None) -> str | None:
    """The zone at a point on land; None without a point, off the map or at sea (Etc/GMT±n)."""
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    zone = get_tz(longitude, latitude)
    return zone if zone and not zone.startswith("Etc/") else None


def lead_timezone(
    *,
    phone: str | None,
    region: str | None,
    country: str | None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> str | None:
    """The lead's IANA timezone from its phone, else its coordinates, else its US state; None
    when none is sure."""
    return (
        phone_timezone(phone)
        or coordinates_timezone(latitude, longitude)
        or state_timezone(region, country, phone)
    )
