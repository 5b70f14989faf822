"""Publishing demos to a served directory or by rsync, the view beacon, stats and clean-up."""

from __future__ import annotations

import re
import shutil
import threading
from datetime import UTC, datetime, timedelta
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import requests
from pydantic import SecretStr
from sqlmodel import select

from leadq.campaign.unsubscribe_app import UnsubscribeApp
from leadq.db import session_scope
from leadq.demo.beacon import agent_class, visitor_key
from leadq.demo.cleanup import clean_demos
from leadq.demo.models import Demo, DemoView
from leadq.demo.service import BuildOptions, build_demo, publish_demo, unpublish_demo, zip_path
from leadq.demo.store import demo_links, view_stats
from leadq.errors import ConfigError
from leadq.leads.models import Lead
from leadq.mail.models import Unsubscribe

from .conftest import PLUMBER

SECRET = SecretStr("s" * 40)
NO_SHOTS = BuildOptions(screenshots=False)
MOBILE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def endpoint(settings):
    """`leadq unsubscribe serve`'s app on a real local HTTP server."""
    served = settings.model_copy(update={"unsubscribe_secret": SECRET})
    httpd = make_server("127.0.0.1", 0, UnsubscribeApp(served), handler_class=_Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def published(settings, web_root, **more):
    return settings.model_copy(
        update={
            "demo_root": web_root.root,
            "demo_base_url": web_root.url,
            "unsubscribe_secret": SECRET,
            **more,
        }
    )


def test_a_published_demo_is_served_under_its_token_and_unpublish_removes_it(
    settings, make_lead, web_root
) -> None:
    config = published(settings, web_root)
    demo = build_demo(config, make_lead(**PLUMBER), NO_SHOTS)
    demo = publish_demo(config, demo.id)
    assert demo.state == "published" and demo.public_url == f"{web_root.url}/{demo.token}/"
    page = requests.get(demo.public_url, timeout=5)
    assert page.status_code == 200 and "Joe&#39;s Plumbing" in page.text
    republished = build_demo(config, demo.lead_id, NO_SHOTS)  # a rebuild of a published demo republishes
    assert republished.public_url == demo.public_url
    assert [p.name for p in web_root.root.iterdir()] == [demo.token]
    unpublish_demo(config, demo.id)
    assert requests.get(demo.public_url, timeout=5).status_code == 404
    assert not (web_root.root / demo.token).exists()


def test_publishing_by_rsync_to_a_local_path(settings, make_lead, tmp_path) -> None:
    if shutil.which("rsync") is None:
        pytest.fail("rsync is required (scripts/test installs it)")
    target = tmp_path / "rsync-target"
    target.mkdir()
    (target / "other-demo").mkdir()
    config = settings.model_copy(
        update={"demo_rsync_target": str(target), "demo_base_url": "https://demo.example/"}
    )
    demo = publish_demo(config, build_demo(config, make_lead(**PLUMBER), NO_SHOTS).id)
    assert demo.public_url == f"https://demo.example/{demo.token}/"
    assert (target / demo.token / "index.html").read_text() == (
        tmp_path / "data" / "demos" / demo.token / "site" / "index.html"
    ).read_text()
    unpublish_demo(config, demo.id)
    assert sorted(p.name for p in target.iterdir()) == ["other-demo"]


def test_publishing_without_a_destination_is_a_config_error(settings, make_lead) -> None:
    demo = build_demo(settings, make_lead(), NO_SHOTS)
    with pytest.raises(ConfigError, match="LEADQ_DEMO_ROOT"):
        publish_demo(settings, demo.id)


def test_the_beacon_counts_views_by_agent_class_without_storing_addresses(
    settings, make_lead, web_root, endpoint
) -> None:
    config = published(settings, web_root, demo_beacon_url=f"{endpoint}/demo-view")
    demo = publish_demo(config, build_demo(config, make_lead(**PLUMBER), NO_SHOTS).id)
    page = requests.get(demo.public_url, timeout=5).text
    beacon = re.search(r'<img src="([^"]+)" width="1" height="1" alt=""', page).group(1)
    assert beacon == f"{endpoint}/demo-view/{demo.token}.gif"
    for agent in (MOBILE_UA, DESKTOP_UA, DESKTOP_UA, "Googlebot/2.1 (+http://www.google.com/bot.html)"):
        reply = requests.get(beacon, headers={"User-Agent": agent}, timeout=5)
        assert reply.status_code == 200 and reply.headers["Content-Type"] == "image/gif"
        assert reply.content.startswith(b"GIF89a")
    unknown = requests.get(f"{endpoint}/demo-view/{'0' * 32}.gif", timeout=5)
    assert unknown.status_code == 200 and unknown.content == reply.content
    with session_scope(config) as session:
        [row] = view_stats(session=session)
        views = session.exec(select(DemoView)).all()
    assert (row.views, row.visitors) == (3, 1)
    assert sorted(v.agent for v in views) == ["bot", "desktop", "desktop", "mobile"]
    assert all("127.0.0" not in v.visitor and len(v.visitor) == 16 for v in views)


def test_agent_classes_and_visitor_keys() -> None:
    assert agent_class(MOBILE_UA) == "mobile" and agent_class(DESKTOP_UA) == "desktop"
    assert agent_class("curl/8.0") == "bot" and agent_class("") == "other"
    assert visitor_key("203.0.113.7", "k") == visitor_key("203.0.113.200", "k")  # same /24
    assert visitor_key("203.0.113.7", "k") != visitor_key("203.0.114.7", "k")
    assert visitor_key("203.0.113.7", "k") != visitor_key("203.0.113.7", "other secret")


def test_campaign_templates_get_the_published_demos_links(settings, make_lead, web_root) -> None:
    config = published(settings, web_root)
    lead_id = make_lead(**PLUMBER)
    demo = build_demo(config, lead_id, NO_SHOTS)
    with session_scope(config) as session:
        assert demo_links(lead_id, session=session) == {"demo_url": None, "demo_screenshot_url": None}
    demo = publish_demo(config, demo.id)
    with session_scope(config) as session:
        assert demo_links(lead_id, session=session)["demo_url"] == demo.public_url


def test_cleanup_removes_old_unpublished_builds_and_demos_of_unsubscribed_leads(
    settings, make_lead, web_root
) -> None:
    config = published(settings, web_root)
    old = build_demo(config, make_lead(name="Old"), NO_SHOTS)
    fresh = build_demo(config, make_lead(name="Fresh"), NO_SHOTS)
    unsubscribed_lead = make_lead(name="Gone", email="owner@gone.example")
    live = publish_demo(config, build_demo(config, unsubscribed_lead, NO_SHOTS).id)
    with session_scope(config) as session:
        row = session.get(Demo, old.id)
        row.built_at = datetime.now(UTC) - timedelta(days=config.demo_keep_days + 1)
        session.add(row)
        session.add(Unsubscribe(email="owner@gone.example", lead_id=unsubscribed_lead, method="form"))
    assert clean_demos(config) == 2
    assert clean_demos(config) == 0
    with session_scope(config) as session:
        assert [d.id for d in session.exec(select(Demo)).all()] == [fresh.id]
        assert session.get(Lead, unsubscribed_lead) is not None
    assert not (web_root.root / live.token).exists()
    for gone in (old, live):
        assert not zip_path(config, gone.token).exists()
