"""`leadq doctor`'s model-server check against the local Chat Completions server."""

from __future__ import annotations

from leadq.ops.doctor import check_ai


def test_the_rules_engine_needs_no_server(settings):
    assert check_ai(settings).status == "skip"


def test_a_listed_model_is_ok_and_an_unlisted_one_warns(ai_settings):
    assert check_ai(ai_settings).status == "ok"
    other = check_ai(ai_settings.model_copy(update={"ai_model": "llama3.1:8b"}))
    assert other.status == "warn" and "it lists: gpt-4o-mini" in other.detail


def test_an_unreachable_server_fails_with_the_reason(ai_settings):
    check = check_ai(ai_settings.model_copy(update={"ai_base_url": "http://127.0.0.1:9/v1"}))
    assert check.status == "fail" and "cannot reach model server" in check.detail
