"""PageSpeed Insights API v5 client (``runPagespeed``).

PSI answers errors as Google API JSON (``{"error": {"code", "message", "errors",
"status", "details"}}``). They fall in three families:

- 429 per-minute/100-second limits and 5xx: transient, retried after Retry-After;
- 429 with a *daily* quota limit: nothing helps until the quota resets at
  midnight Pacific time, so the job is deferred to then (``QuotaExhausted``)
  and PSI calls in this process stop until then instead of burning retries;
- 400 "Lighthouse returned error" (DNS failure, unable to load the page, 4xx
  document): permanent, recorded with Google's reason.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from leadq.errors import PermanentError, TransientError
from leadq.net import HttpClient, check_url, retry_after_seconds
from leadq.pagespeed.errors import QuotaExhausted
from leadq.pagespeed.record import AuditRecord, Strategy
from leadq.pagespeed.report_parser import parse_report
from leadq.settings import Settings

# Google resets daily API quotas at midnight Pacific time.
_QUOTA_ZONE = ZoneInfo("America/Los_Angeles")
_DEFAULT_TRANSIENT_DELAY = 60.0


class _QuotaPause:
    """When this process may call PSI again after a daily-quota error."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def set(self, until: float) -> None:
        with self._lock:
            self._until = max(self._until, until)

    def clear(self) -> None:
        with self._lock:
            self._until = 0.0

    def remaining(self, now: float) -> float:
        with self._lock:
            return max(0.0, self._until - now)


quota_pause = _QuotaPause()


def next_quota_reset(now: datetime) -> datetime:
    """The next midnight in Pacific time after ``now`` (an aware datetime)."""
    local = now.astimezone(_QUOTA_ZONE)
    midnight = datetime(local.year, local.month, local.day, tzinfo=_QUOTA_ZONE) + timedelta(days=1)
    return midnight


def request_params(url: str, strategy: Strategy, settings: Settings) -> list[tuple[str, str]]:
    params = [("url", url), ("strategy", strategy.upper())]
    params += [("category", category.upper().replace("-", "_")) for category in settings.psi_categories]
    if settings.psi_api_key:
        params.append(("key", settings.psi_api_key))
    return params


def run_psi(
    url: str, strategy: Strategy, settings: Settings, *, client: HttpClient | None = None
) -> AuditRecord:
    """Audit ``url`` through PSI; raises typed errors (see the module docstring)."""
    check_url(url, allow_private=settings.allow_private_urls)
    waiting = quota_pause.remaining(time.time())
    if waiting:
        raise QuotaExhausted(
            f"PageSpeed Insights daily quota is exhausted; PSI audits resume in {waiting / 3600:.1f} h",
            delay=int(waiting * 1000),
        )
    own = client is None
    client = client or HttpClient(settings, guard=False)
    endpoint = settings.psi_base_url.rstrip("/") + "/runPagespeed"
    try:
        response = client.session.get(
            endpoint,
            params=request_params(url, strategy, settings),
            timeout=(settings.http_connect_timeout, settings.psi_timeout),
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientError(f"PageSpeed Insights unreachable: {type(exc).__name__}") from None
    finally:
        if own:
            client.close()
    if response.status_code != 200:
        raise classify_error(response, url)
    try:
        data = response.json()
    except ValueError:
        raise TransientError("PageSpeed Insights answered with a body that is not JSON") from None
    record = parse_report(data, url=url)
    record.strategy = strategy
    return record


def classify_error(response: requests.Response, url: str) -> Exception:
    """Turn a PSI error response into the error that says what to do about it."""
    error = _error_body(response)
    message = error.get("message") or f"HTTP {response.status_code}"
    status = response.status_code
    if status == 429 and _is_daily_quota(error):
        now = datetime.now(_QUOTA_ZONE)
        reset = next_quota_reset(now)
        seconds = (reset - now).total_seconds()
        quota_pause.set(time.time() + seconds)
        return QuotaExhausted(
            f"PageSpeed Insights daily quota is exhausted; PSI audits paused until "
            f"{reset:%Y-%m-%d %H:%M %Z} ({message})",
            delay=int(seconds * 1000),
        )
    if status == 429 or status >= 500:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return TransientError(
            f"PageSpeed Insights HTTP {status}: {message}",
            retry_after=retry_after if retry_after is not None else _DEFAULT_TRANSIENT_DELAY,
        )
    if status in (401, 403):
        return PermanentError(f"PageSpeed Insights refused the API key (HTTP {status}): {message}")
    return PermanentError(f"PageSpeed Insights could not audit {url}: {message}")


def _error_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _is_daily_quota(error: dict[str, Any]) -> bool:
    """Google names daily limits ``...PerDay...`` in ErrorInfo metadata and 'per day' in the text."""
    for detail in error.get("details") or []:
        limit = str((detail.get("metadata") or {}).get("quota_limit", ""))
        if "perday" in limit.lower():
            return True
    return "per day" in str(error.get("message", "")).lower()
