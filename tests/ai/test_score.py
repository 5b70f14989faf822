"""Lead scores: the rules checklist on real lead records, the model's summary, the CLI and leads list."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.ai.engine import ModelCall
from leadq.ai.score_service import score_lead
from leadq.ai.scoring import LeadFacts, rules_score
from leadq.db import session_scope
from leadq.enrich.extract import PageSignals
from leadq.enrich.report import SiteReport
from leadq.enrich.store import store_site_report
from leadq.leads.models import Lead
from leadq.leads.record import LeadRecord
from leadq.leads.store import upsert_lead
from leadq.pagespeed.models import Audit

from .chat_server import json_completion

runner = CliRunner()
TODAY = datetime(2026, 12, 2, tzinfo=UTC)


def add_leads(settings) -> dict[str, int]:
    """A neglected WordPress-era site with a slow audit, a business with no website, an empty lead."""
    with session_scope(settings) as session:
        old, _ = upsert_lead(
            LeadRecord(
                source="yellowpages",
                external_id="y1",
                name="Greenleaf Landscaping",
                phones=["+14155550134"],
                emails=["hi@greenleaf.example"],
                website="http://greenleaf.example",
                rating=4.6,
                review_count=120,
            ),
            session=session,
        )
        nosite, _ = upsert_lead(
            LeadRecord(
                source="craigslist", external_id="c1", name="Sunset Painters", phones=["+14155550177"]
            ),
            session=session,
        )
        empty = Lead(source="manual")
        session.add(empty)
        session.flush()
        report = SiteReport(url="http://greenleaf.example", final_url="http://greenleaf.example/")
        report.add(
            PageSignals(
                url="http://greenleaf.example/", cms="Wix", copyright_year=2016, mobile_viewport=False
            )
        )
        store_site_report(old.id, report, session=session)
        session.add(
            Audit(lead_id=old.id, url=old.website, engine="local", strategy="mobile", performance_score=31)
        )
        return {"old": old.id, "nosite": nosite.id, "empty": empty.id}


def test_the_checklist_shows_every_reason_with_its_points():
    facts = LeadFacts(
        name="Greenleaf",
        website="http://greenleaf.example",
        email="hi@greenleaf.example",
        rating=4.6,
        review_count=120,
        signals={
            "reachable": True,
            "https": False,
            "mobile_viewport": False,
            "copyright_year": 2016,
            "cms": "Wix",
        },
        audit={"performance_score": 31},
    )
    score = rules_score(facts, today=TODAY)
    points = {reason.reason: reason.points for reason in score.reasons}
    assert points == {
        "website not on HTTPS": 10,
        "no mobile viewport: hard to use on a phone": 15,
        "copyright 2016: site looks unmaintained": 10,
        "built on Wix: a redesign prospect": 5,
        "PageSpeed performance 31/100: slow site": 20,
        "has an email address to write to": 10,
        "rated 4.6 over 120 reviews: established": 10,
        "120 reviews: a busy business": 5,
    }
    assert score.score == 85 == sum(points.values())


def test_a_lead_with_nothing_known_scores_zero_saying_so():
    score = rules_score(LeadFacts())
    assert (score.score, [r.reason for r in score.reasons]) == (0, ["nothing known about this lead"])


def test_a_modern_fast_site_scores_low_and_a_bounce_costs_points():
    facts = LeadFacts(
        website="https://fine.example",
        email="a@fine.example",
        email_status="invalid",
        signals={"reachable": True, "https": True, "mobile_viewport": True, "copyright_year": 2026},
        audit={"performance_score": 95},
    )
    assert rules_score(facts, today=TODAY).score == 0
    assert [r.points for r in rules_score(facts, today=TODAY).reasons] == [-10]


def test_rules_scores_are_stored_and_leads_list_filters_and_sorts_on_them(cli_env):
    ids = add_leads(cli_env)
    result = runner.invoke(app, ["ai", "score", "--all", "--inline", "--json"])
    assert result.exit_code == 0, result.output
    scored = {lead["id"]: lead for lead in json.loads(result.stdout)["leads"]}
    assert scored[ids["empty"]]["ai_score"] == 0
    assert scored[ids["nosite"]]["ai_score"] == 40
    assert scored[ids["old"]]["ai_score"] >= 80
    assert {lead["ai_engine"] for lead in scored.values()} == {"rules"}
    listed = json.loads(
        runner.invoke(app, ["leads", "list", "--min-score", "30", "--sort", "score", "--json"]).stdout
    )
    assert [lead["id"] for lead in listed] == [ids["old"], ids["nosite"]]
    assert listed[0]["ai_reasons"][0] == {"reason": "website not on HTTPS", "points": 10}
    shown = json.loads(runner.invoke(app, ["leads", "show", str(ids["nosite"]), "--json"]).stdout)
    assert (shown["ai_score"], shown["ai_engine"]) == (40, "rules")
    text = runner.invoke(app, ["leads", "show", str(ids["nosite"])]).stdout
    assert "+35 no website listed" in text


def test_unscored_only_scores_new_leads_and_the_flags_exclude_each_other(cli_env):
    ids = add_leads(cli_env)
    assert runner.invoke(app, ["ai", "score", str(ids["old"]), "--inline"]).exit_code == 0
    result = runner.invoke(app, ["ai", "score", "--unscored", "--inline", "--json"])
    assert sorted(lead["id"] for lead in json.loads(result.stdout)["leads"]) == sorted(
        [ids["nosite"], ids["empty"]]
    )
    both = runner.invoke(app, ["ai", "score", "--all", "--unscored"])
    assert both.exit_code == 2 and "one of them" in both.stderr
    missing = runner.invoke(app, ["ai", "score", "999", "--inline"])
    assert missing.exit_code == 1 and "lead 999 does not exist" in missing.stdout


def test_the_model_adds_a_summary_and_listed_reasons_and_is_asked_once(ai_settings, chat):
    ids = add_leads(ai_settings)
    answer = {
        "summary": "Greenleaf is busy and well rated, but its site is slow and not mobile friendly.",
        "extra_reasons": [{"reason": "landscaping sells on photos", "points": 5}],
    }
    chat.script(json_completion(answer))
    call = ModelCall(ai_settings)
    score = score_lead(ids["old"], call)
    assert score.engine == "openai" and score.summary == answer["summary"]
    assert score.reasons[-1].reason == "model: landscaping sells on photos"
    assert score.score == min(100, sum(r.points for r in score.reasons))
    assert "Greenleaf Landscaping" in chat.requests[0]["messages"][1]["content"]
    assert score_lead(ids["old"], call).summary == answer["summary"]  # cached
    assert len(chat.requests) == 1
    # Nothing known: no model call, the checklist's "nothing known".
    assert score_lead(ids["empty"], call).engine == "rules"
    assert len(chat.requests) == 1
    with session_scope(ai_settings) as session:
        stored = session.get(Lead, ids["old"])
        assert (stored.ai_engine, stored.ai_summary) == ("openai", answer["summary"])


def test_usage_sums_calls_and_cache_hits(cli_env, chat, monkeypatch):
    ids = add_leads(cli_env)
    for name, value in {
        "LEADQ_AI_ENGINE": "openai",
        "LEADQ_AI_BASE_URL": chat.url,
        "LEADQ_AI_TIMEOUT": "2",
    }.items():
        monkeypatch.setenv(name, value)
    from leadq.settings import get_settings

    get_settings.cache_clear()
    answer = json_completion({"summary": "A slow site on an old builder.", "extra_reasons": []})
    chat.script(answer, answer)
    for _ in range(2):
        assert runner.invoke(app, ["ai", "score", str(ids["old"]), "--inline"]).exit_code == 0
    assert runner.invoke(app, ["ai", "score", str(ids["old"]), "--inline", "--refresh"]).exit_code == 0
    (row,) = json.loads(runner.invoke(app, ["ai", "usage", "--since", "1d", "--json"]).stdout)
    assert (row["task"], row["answers"], row["model_calls"], row["cache_hits"]) == ("score", 3, 2, 1)
    assert (row["tokens_in"], row["tokens_out"]) == (240, 80)
    assert row["cost_usd"] > 0
    from leadq.core.jobs import list_jobs

    jobs = [job for job in list_jobs(cli_env, limit=None) if job.actor == "analyze_lead"]
    per_job = [
        json.loads(runner.invoke(app, ["ai", "usage", "--job", job.id, "--json"]).stdout) for job in jobs
    ]
    assert sorted(rows[0]["model_calls"] for rows in per_job) == [0, 1, 1]
