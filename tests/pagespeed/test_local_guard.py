"""The local engine's URL guard on the hops Chromium followed by itself."""

from __future__ import annotations

import pytest


def test_a_redirect_to_a_private_address_refuses_the_audit() -> None:
    from leadq.errors import UrlRefused
    from leadq.pagespeed.local import check_hops

    network = {"redirects": [{"url": "http://93.184.215.14/", "status": 302}]}
    with pytest.raises(UrlRefused, match="10.0.0.7"):
        check_hops({"href": "http://10.0.0.7/admin"}, network, allow_private=False)
    check_hops({"href": "http://10.0.0.7/admin"}, network, allow_private=True)
