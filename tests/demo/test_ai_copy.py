"""A demo's tagline and about copy from the AI engine, through the fact guard, cached."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from leadq.ai.engine import ModelCall
from leadq.demo.service import BuildOptions, build_demo
from tests.ai.chat_server import json_completion

from .conftest import PLUMBER

NO_SHOTS = BuildOptions(screenshots=False)
HONEST = {
    "tagline": "Plumbing help in Springfield when you need it.",
    "about_title": "Your local plumber",
    "about": "Joe's Plumbing fixes leaks, drains and water heaters for homes around Springfield. "
    "Call us and we will sort it out.",
}


@pytest.fixture
def ai_settings(settings, chat):
    return settings.model_copy(
        update={"ai_engine": "openai", "ai_base_url": chat.url, "ai_api_key": "sk-test", "ai_timeout": 2.0}
    )


def _page(demo) -> str:
    return (Path(demo.work_dir) / "site" / "index.html").read_text(encoding="utf-8")


def test_accepted_ai_copy_is_on_the_page_and_a_rebuild_uses_the_cache(ai_settings, chat, make_lead):
    chat.answer = lambda request: json_completion(HONEST)
    lead_id = make_lead(**PLUMBER)

    demo = build_demo(ai_settings, lead_id, NO_SHOTS, call=ModelCall(ai_settings))
    page = _page(demo)
    assert "Plumbing help in Springfield when you need it." in page
    assert '<h2 id="about-title">Your local plumber</h2>' in page
    assert "fixes leaks, drains and water heaters" in page
    assert demo.manifest["copy"] == "ai"
    prompt = chat.requests[0]["messages"][1]["content"]
    assert "Joe's Plumbing" in prompt and "Springfield" in prompt

    rebuilt = build_demo(ai_settings, lead_id, NO_SHOTS, call=ModelCall(ai_settings))
    assert len(chat.requests) == 1  # the same question is answered from the cache
    assert "Plumbing help in Springfield" in _page(rebuilt)


def test_copy_with_an_invented_fact_is_dropped_for_the_template_copy(ai_settings, chat, make_lead, caplog):
    invented = {**HONEST, "about": "Family-owned since 1987, Joe's Plumbing has fixed 12,000 homes."}
    chat.answer = lambda request: json_completion(invented)

    with caplog.at_level(logging.WARNING, logger="leadq.demo.ai_copy"):
        demo = build_demo(ai_settings, make_lead(**PLUMBER), NO_SHOTS, call=ModelCall(ai_settings))

    page = _page(demo)
    assert "1987" not in page and "12,000" not in page and "Plumbing help in Springfield" not in page
    assert '<h2 id="about-title">About us</h2>' in page
    assert demo.manifest["copy"] == "template"
    assert "'1987'" in caplog.text and "'12,000'" in caplog.text


def test_hostile_ai_copy_is_text_on_the_page(ai_settings, chat, make_lead):
    hostile = {**HONEST, "about_title": "<script>window.__pwned = 1</script>"}
    chat.answer = lambda request: json_completion(hostile)

    page = _page(build_demo(ai_settings, make_lead(**PLUMBER), NO_SHOTS, call=ModelCall(ai_settings)))

    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page


def test_the_rules_engine_keeps_the_template_copy_and_asks_nothing(settings, chat, make_lead):
    demo = build_demo(settings, make_lead(**PLUMBER), NO_SHOTS, call=ModelCall(settings))

    assert chat.requests == [] and demo.manifest["copy"] == "template"
    assert '<h2 id="about-title">About us</h2>' in _page(demo)
    assert json.loads((Path(demo.work_dir) / "manifest.json").read_text())["copy"] == "template"
