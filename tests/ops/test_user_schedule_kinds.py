"""Each kind of command a user schedule runs: stored as its typed request, fired by enqueueing it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from leadq.cli.schedule_runner import fire_user_schedule, upgrade_stored

from leadq.campaign.models import Campaign
from leadq.campaign.service import create_campaign
from leadq.db import session_scope
from leadq.ops.user_schedules import list_schedules, schedule_store
from tests.campaign_factory import write_campaign

from .test_user_schedules import YEARLY, _fire_now, _store_legacy, add


def _messages(client, namespace: str, queue: str) -> list[dict]:
    """The messages waiting on ``queue``, oldest first."""
    ids = client.lrange(f"{namespace}:{queue}", 0, -1)
    return [json.loads(client.hget(f"{namespace}:{queue}.msgs", i)) for i in ids]


def _campaign(settings, tmp_path, state: str) -> int:
    """A stored campaign named Plumbers in ``state`` (its launch is covered by the campaign tests)."""
    with session_scope(settings) as session:
        campaign = create_campaign(write_campaign(tmp_path / "c"), now=datetime.now(UTC), session=session)
        campaign.state = state
        return campaign.id


def _state(settings, campaign_id: int) -> str:
    with session_scope(settings) as session:
        return session.get(Campaign, campaign_id).state


@pytest.mark.parametrize(
    ("argv", "audits", "actor", "kwargs"),
    [
        (
            ["pagespeed", "run", "--pending", "--limit", "5", "--strategy", "both", "--engine", "local"],
            {"urls": [], "pending": True, "limit": 5, "strategies": ["mobile", "desktop"], "engine": "local"},
            "audit_pending",
            {"limit": 5, "strategies": ["mobile", "desktop"], "engine": "local"},
        ),
        (
            ["pagespeed", "run", "https://shop.example", "-s", "desktop"],
            {"urls": ["https://shop.example"], "pending": False, "limit": None, "strategies": ["desktop"]}
            | {"engine": None},
            "audit_website",
            {"url": "https://shop.example", "strategy": "desktop", "engine": None},
        ),
    ],
)
@pytest.mark.redis
def test_a_pagespeed_schedule_enqueues_the_audits_pagespeed_run_would(
    redis_settings, use_settings, leadq, argv, audits, actor, kwargs
):
    settings = use_settings(redis_settings)
    added = add(leadq, *argv, cron=YEARLY)
    assert added["request"] == {"kind": "pagespeed", "audits": audits}
    client, _ = _fire_now(settings, added["id"], "pagespeed")
    [message] = _messages(client, settings.namespace, "pagespeed")
    assert (message["actor_name"], message["kwargs"]) == (actor, kwargs)


@pytest.mark.redis
def test_an_ai_score_schedule_enqueues_the_batch_ai_score_would(redis_settings, use_settings, leadq):
    settings = use_settings(redis_settings)
    added = add(leadq, "ai", "score", "--unscored", cron=YEARLY)
    batch = {"lead_ids": None, "unscored": True, "refresh": False}
    assert added["request"] == {"kind": "ai_score", "score": batch}
    client, _ = _fire_now(settings, added["id"], "ai")
    [message] = _messages(client, settings.namespace, "ai")
    assert (message["actor_name"], message["kwargs"]) == ("batch_analyze_leads", batch)
    assert add(leadq, "ai", "score", "--all")["request"]["score"] == batch | {"unscored": False}


@pytest.mark.redis
def test_campaign_schedules_pause_it_and_resume_it_handing_out_its_due_messages(
    redis_settings, use_settings, leadq, tmp_path
):
    settings = use_settings(redis_settings)
    campaign_id = _campaign(settings, tmp_path, "running")
    pause = add(leadq, "campaign", "pause", "Plumbers", cron="0 18 * * 5")
    resume = add(leadq, "campaign", "resume", str(campaign_id), cron=YEARLY)
    assert pause["request"] == {"kind": "campaign", "action": "pause", "campaign_id": campaign_id}
    assert resume["request"] == {"kind": "campaign", "action": "resume", "campaign_id": campaign_id}
    assert fire_user_schedule(json.dumps(pause["request"])) is None  # a state change, nothing enqueued
    assert _state(settings, campaign_id) == "paused"
    client, _ = _fire_now(settings, resume["id"], "campaign")
    assert _state(settings, campaign_id) == "running"
    [message] = _messages(client, settings.namespace, "campaign")
    assert message["actor_name"] == "process_due_campaign_steps"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["campaign", "launch", "Plumbers"], "`leadq campaign launch` cannot be scheduled: a schedule runs"),
        (["campaign", "pause", "Roofers"], "no campaign 'Roofers'"),
        (["pagespeed", "run", "--limit", "3"], "give URLs to audit or --pending"),
        (["pagespeed", "run", "--pending", "--wait"], "remove --wait"),
        (["ai", "score"], "give lead ids, --all or --unscored (one of them)"),
        (["ai", "score", "--all", "--unscored"], "give lead ids, --all or --unscored (one of them)"),
        (["demo", "build", "1"], "`leadq demo build` cannot be scheduled"),
    ],
)
def test_commands_a_schedule_cannot_run_are_refused_in_one_line(
    settings, use_settings, leadq, tmp_path, argv, message
):
    use_settings(settings)
    _campaign(settings, tmp_path, "draft")
    result = leadq("schedule", "add", "--cron", "0 7 * * *", "--", *argv)
    assert result.exit_code in (1, 2) and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    with schedule_store(settings) as store:
        assert list_schedules(store) == []


def test_the_refusal_lists_every_command_a_schedule_can_run(settings, use_settings, leadq):
    use_settings(settings)
    result = leadq("schedule", "add", "--cron", "0 7 * * *", "--", "job", "list")
    for usage in ("scrape", "pagespeed run", "ai score", "campaign pause", "campaign resume", "schedule run"):
        assert f"`leadq {usage}" in result.stderr


def test_schedules_of_these_commands_stored_by_earlier_versions_are_upgraded(
    settings, use_settings, tmp_path
):
    use_settings(settings)
    campaign_id = _campaign(settings, tmp_path, "running")
    # The parameter values an earlier version stored (enums as their values), and an argv.
    audits = {"urls": None, "pending": True, "limit": 20, "strategy": "both", "engine": "psi"}
    audits |= {"wait": False, "inline": False}
    score = {"lead_ids": None, "all_": False, "unscored": True, "refresh": False, "inline": False}
    score |= {"wait": False, "as_json": False}
    commands = {
        "audits01": (["pagespeed", "run"], audits),
        "score001": (["ai", "score"], score),
        "campaign": (["campaign", "resume"], {"ref": "Plumbers", "inline": False, "wait": False}),
    }
    for schedule_id, (path, params) in commands.items():
        request = {"kind": "command", "path": path, "params": params}
        _store_legacy(settings, schedule_id, " ".join(path), request=json.dumps(request))
    _store_legacy(settings, "argv0002", "ai score --all", argv=["ai", "score", "--all"])
    with schedule_store(settings) as store:
        upgrade_stored(store)
        upgraded = {s.id: s for s in list_schedules(store)}
    assert {s.id for s in upgraded.values() if s.legacy or s.paused} == set()
    requests = {schedule_id: json.loads(s.request) for schedule_id, s in upgraded.items()}
    assert requests == {
        "audits01": {
            "kind": "pagespeed",
            "audits": {"urls": [], "pending": True, "limit": 20, "strategies": ["mobile", "desktop"]}
            | {"engine": "psi"},
        },
        "score001": {"kind": "ai_score", "score": {"lead_ids": None, "unscored": True, "refresh": False}},
        "campaign": {"kind": "campaign", "action": "resume", "campaign_id": campaign_id},
        "argv0002": {"kind": "ai_score", "score": {"lead_ids": None, "unscored": False, "refresh": False}},
    }
