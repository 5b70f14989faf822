"""The PSI client against a local server that answers like the real API, errors included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadq.errors import PermanentError, TransientError, UrlRefused
from leadq.pagespeed import psi
from leadq.pagespeed.errors import QuotaExhausted
from leadq.settings import Settings

from .conftest import Reply

PSI_2019 = Path(__file__).parents[1] / "fixtures" / "psi" / "psi-v5-response-2019-html5rocks-desktop.json"
JSON = {"Content-Type": "application/json; charset=UTF-8"}


def google_error(
    code: int, message: str, status: str, reason: str, domain: str = "global", details=None
) -> bytes:
    """The error body Google APIs send (code, message, errors[], status, details[])."""
    error = {
        "code": code,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": status,
    }
    if details:
        error["details"] = details
    return json.dumps({"error": error}).encode()


DAILY_QUOTA = google_error(
    429,
    "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service "
    "'pagespeedonline.googleapis.com' for consumer 'project_number:583797351490'.",
    "RESOURCE_EXHAUSTED",
    "rateLimitExceeded",
    details=[
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_metric": "pagespeedonline.googleapis.com/default",
                "quota_limit": "defaultPerDayPerProject",
                "quota_limit_value": "25000",
                "service": "pagespeedonline.googleapis.com",
                "consumer": "projects/583797351490",
            },
        }
    ],
)
MINUTE_QUOTA = google_error(
    429,
    "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service "
    "'pagespeedonline.googleapis.com' for consumer 'project_number:583797351490'.",
    "RESOURCE_EXHAUSTED",
    "rateLimitExceeded",
)
UNREACHABLE = google_error(
    400,
    "Lighthouse returned error: FAILED_DOCUMENT_REQUEST. Lighthouse was unable to reliably load the page you "
    "requested. Make sure you are testing the correct URL and that the server is properly responding to all "
    "requests. (Details: net::ERR_CONNECTION_FAILED)",
    "INVALID_ARGUMENT",
    "lighthouseUserError",
    domain="lighthouse",
)
DNS_FAILURE = google_error(
    400,
    "Lighthouse returned error: DNS_FAILURE. DNS servers could not resolve the provided domain.",
    "INVALID_ARGUMENT",
    "lighthouseUserError",
    domain="lighthouse",
)
INTERNAL = google_error(
    500,
    "Lighthouse returned error: Something went wrong.",
    "INTERNAL",
    "lighthouseError",
    domain="lighthouse",
)


@pytest.fixture
def psi_settings(server, tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        psi_base_url=server.url + "/pagespeedonline/v5",
        psi_api_key="test-key",
        allow_private_urls=True,
    )


@pytest.fixture(autouse=True)
def _no_quota_pause():
    psi.quota_pause.clear()
    yield
    psi.quota_pause.clear()


def answer(server, reply: Reply) -> None:
    server.requests.clear()
    server.route("/pagespeedonline/v5/runPagespeed", reply)


def test_a_psi_response_is_fetched_and_parsed(server, psi_settings) -> None:
    answer(server, Reply(200, PSI_2019.read_bytes(), JSON))
    record = psi.run_psi("https://www.html5rocks.com/en/", "desktop", psi_settings)
    assert record.engine == "psi"
    assert record.performance_score == 99
    assert record.field["metrics"]["fcp_ms"]["percentile"] == 2384
    path, query = server.requests[-1]
    assert query["url"] == ["https://www.html5rocks.com/en/"]
    assert query["strategy"] == ["DESKTOP"]
    assert query["key"] == ["test-key"]
    assert query["category"] == ["PERFORMANCE", "ACCESSIBILITY", "BEST_PRACTICES", "SEO"]


def test_429_with_retry_after_is_transient_and_keeps_the_delay(server, psi_settings) -> None:
    answer(server, Reply(429, MINUTE_QUOTA, {**JSON, "Retry-After": "37"}))
    with pytest.raises(TransientError, match="HTTP 429") as caught:
        psi.run_psi("https://example.com/", "mobile", psi_settings)
    assert caught.value.retry_after == 37.0


def test_500_is_transient(server, psi_settings) -> None:
    answer(server, Reply(500, INTERNAL, JSON))
    with pytest.raises(TransientError, match="Something went wrong"):
        psi.run_psi("https://example.com/", "mobile", psi_settings)


def test_an_exhausted_daily_quota_defers_until_the_reset_and_pauses_psi(server, psi_settings) -> None:
    answer(server, Reply(429, DAILY_QUOTA, JSON))
    with pytest.raises(QuotaExhausted, match="daily quota is exhausted") as caught:
        psi.run_psi("https://example.com/", "mobile", psi_settings)
    assert 0 < caught.value.delay_ms <= 25 * 3600 * 1000
    calls = len(server.requests)
    with pytest.raises(QuotaExhausted, match="resume in"):
        psi.run_psi("https://example.org/", "mobile", psi_settings)
    assert len(server.requests) == calls, "a paused client must not spend another API call"


@pytest.mark.parametrize("body", [UNREACHABLE, DNS_FAILURE], ids=["unable-to-load", "dns-failure"])
def test_a_url_lighthouse_cannot_load_is_a_permanent_error(server, psi_settings, body) -> None:
    answer(server, Reply(400, body, JSON))
    with pytest.raises(
        PermanentError, match="could not audit https://nope.example/: Lighthouse returned error"
    ):
        psi.run_psi("https://nope.example/", "mobile", psi_settings)


def test_a_private_url_is_refused_before_calling_psi(server, psi_settings) -> None:
    answer(server, Reply(200, PSI_2019.read_bytes(), JSON))
    guarded = psi_settings.model_copy(update={"allow_private_urls": False})
    with pytest.raises(UrlRefused):
        psi.run_psi("http://127.0.0.1/admin", "mobile", guarded)
    assert server.requests == []


def test_the_quota_resets_at_the_next_pacific_midnight() -> None:
    from datetime import UTC, datetime

    reset = psi.next_quota_reset(datetime(2026, 11, 21, 15, 0, tzinfo=UTC))
    assert reset.isoformat() == "2026-11-22T00:00:00-08:00"
