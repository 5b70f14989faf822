"""URL guard and HTTP status mapping for hostile lead URLs."""

from __future__ import annotations

import pytest

from leadq.errors import PermanentError, UrlRefused
from leadq.net import check_url, retry_after_seconds


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://localhost:8080/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
    ],
)
def test_private_loopback_and_link_local_hosts_are_refused(url):
    with pytest.raises(UrlRefused, match="non-public address"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.com/", "http:///x"]
)
def test_only_http_urls_with_a_host_are_fetched(url):
    with pytest.raises(UrlRefused):
        check_url(url, allow_private=True)


def test_the_setting_allows_private_hosts():
    assert check_url("http://127.0.0.1:9/x", allow_private=True) == "http://127.0.0.1:9/x"


def test_an_unresolvable_host_is_a_permanent_error():
    with pytest.raises(PermanentError, match="cannot resolve"):
        check_url("http://no-such-host.invalid/", allow_private=False)


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
