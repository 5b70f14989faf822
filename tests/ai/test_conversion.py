"""The conversion model, trained on leads the test builds with a known signal."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from leadq.cli.app import app
from sqlmodel import select
from typer.testing import CliRunner

from leadq.campaign.models import Campaign, CampaignStep
from leadq.clock import utcnow
from leadq.db import session_scope
from leadq.leads.models import Lead
from leadq.leads.outcomes import record_reply
from leadq.mail.models import OutboundMessage
from leadq.pagespeed.models import Audit

runner = CliRunner()


def add_labelled(settings, count: int, *, seed: int = 7) -> list[int]:
    """Leads whose outcome depends on their site: slow, not mobile-ready sites with an email are won."""
    rng = random.Random(seed)
    with session_scope(settings) as session:
        rows = []
        for i in range(count):
            mobile, slow, email = rng.random() < 0.5, rng.random() < 0.5, rng.random() < 0.7
            signal = (not mobile) + slow + email
            won = rng.random() < (0.08, 0.2, 0.55, 0.9)[signal]
            lead = Lead(
                source="test",
                name=f"Shop {i}",
                email=f"o{i}@shop{i}.example" if email else None,
                website=f"https://shop{i}.example",
                signals={"reachable": True, "https": True, "mobile_viewport": mobile},
                outcome="won" if won else "lost",
            )
            session.add(lead)
            session.flush()
            perf = rng.randint(10, 45) if slow else rng.randint(70, 99)
            session.add(
                Audit(
                    lead_id=lead.id,
                    url=lead.website,
                    engine="local",
                    strategy="mobile",
                    performance_score=perf,
                )
            )
            rows.append(lead.id)
        return rows


def test_the_model_learns_the_signal_and_writes_probabilities(cli_env):
    add_labelled(cli_env, 240)
    result = runner.invoke(app, ["ai", "train", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["labelled"] == 240
    assert report["test_roc_auc"] > 0.72 and report["cv_roc_auc"] > 0.72  # chance is 0.5
    assert report["calibration"] and all(0 <= row["observed"] <= 1 for row in report["calibration"])
    metadata = json.loads((cli_env.data_dir / "models" / "conversion.json").read_text())
    assert metadata["features"][0] == "has_website" and metadata["labelled"] == 240
    predicted = json.loads(runner.invoke(app, ["ai", "predict", "--json"]).stdout)
    assert predicted["predicted"] == 240
    with session_scope(cli_env) as session:
        leads = session.exec(select(Lead)).all()
        won = [lead.ai_conversion for lead in leads if lead.outcome == "won"]
        lost = [lead.ai_conversion for lead in leads if lead.outcome == "lost"]
    assert sum(won) / len(won) > sum(lost) / len(lost) + 0.2


def test_too_few_labelled_leads_are_refused_saying_how_many_are_needed(cli_env):
    ids = add_labelled(cli_env, 10)
    result = runner.invoke(app, ["ai", "train", "--label", "won"])
    assert result.exit_code == 1 and "needs at least 40 leads marked won or lost" in result.stderr
    assert "has 10" in result.stderr
    auto = runner.invoke(app, ["ai", "train"])
    assert auto.exit_code == 1 and "needs at least 40 labelled leads" in auto.stderr
    assert "won: 10 labelled" in auto.stderr and "replied: 10 labelled" in auto.stderr
    nothing = runner.invoke(app, ["ai", "predict"])
    assert nothing.exit_code == 1 and "no conversion model yet" in nothing.stderr
    assert runner.invoke(app, ["leads", "mark", str(ids[0]), "--clear"]).exit_code == 0
    assert runner.invoke(app, ["leads", "mark", str(ids[1]), "--won"]).stdout.strip() == f"lead {ids[1]}: won"
    shown = json.loads(runner.invoke(app, ["leads", "show", str(ids[0]), "--json"]).stdout)
    assert shown["outcome"] is None
    both = runner.invoke(app, ["leads", "mark", str(ids[0]), "--won", "--lost"])
    assert both.exit_code == 2


def add_emailed(settings, count: int, *, seed: int = 11, sent_days_ago: float = 20) -> dict[int, str | None]:
    """Leads emailed by a campaign; slow, not mobile-ready sites tend to answer, with interest.

    Returns each lead's reply verdict (None: answered nothing, "" when it never replied).
    """
    rng = random.Random(seed)
    now = utcnow()
    verdicts: dict[int, str | None] = {}
    with session_scope(settings) as session:
        campaign = Campaign(name="Outreach", sender="ada@studio.example")
        session.add(campaign)
        session.flush()
        step = CampaignStep(campaign_id=campaign.id, number=1, subject="Hi", text="Hello")
        session.add(step)
        session.flush()
        for i in range(count):
            mobile, slow = rng.random() < 0.5, rng.random() < 0.5
            signal = (not mobile) + slow
            lead = Lead(
                source="test",
                name=f"Cafe {i}",
                email=f"o{i}@cafe{i}.example",
                website=f"https://cafe{i}.example",
                signals={"reachable": True, "https": True, "mobile_viewport": mobile},
            )
            session.add(lead)
            session.flush()
            perf = rng.randint(10, 45) if slow else rng.randint(70, 99)
            session.add(
                Audit(
                    lead_id=lead.id,
                    url=lead.website,
                    engine="local",
                    strategy="mobile",
                    performance_score=perf,
                )
            )
            sent = now - timedelta(days=sent_days_ago)
            session.add(
                OutboundMessage(
                    campaign_id=campaign.id,
                    step_id=step.id,
                    step_number=1,
                    lead_id=lead.id,
                    to_email=lead.email,
                    state="sent",
                    scheduled_at=sent,
                    sent_at=sent,
                )
            )
            verdict = ""
            if rng.random() < (0.05, 0.45, 0.9)[signal]:
                verdict = "interested" if rng.random() < (0.2, 0.5, 0.8)[signal] else "not-interested"
                record_reply(lead.id, verdict, at=sent + timedelta(days=2), session=session)
            verdicts[lead.id] = verdict
    return verdicts


def test_replies_the_inbox_recorded_train_the_interested_and_replied_labels(cli_env):
    verdicts = add_emailed(cli_env, 200)
    assert runner.invoke(app, ["ai", "train", "--label", "won"]).exit_code == 1  # nobody marked won or lost
    auto = runner.invoke(app, ["ai", "train", "--json"])
    assert auto.exit_code == 0, auto.output
    report = json.loads(auto.stdout)
    interested = sum(v == "interested" for v in verdicts.values())
    assert (report["label"], report["labelled"], report["positive"]) == ("interested", 200, interested)
    assert report["test_roc_auc"] > 0.7
    replied = json.loads(runner.invoke(app, ["ai", "train", "--label", "replied", "--json"]).stdout)
    assert (replied["label"], replied["positive"]) == ("replied", sum(bool(v) for v in verdicts.values()))
    assert replied["test_roc_auc"] > 0.7
    assert json.loads((cli_env.data_dir / "models" / "conversion.json").read_text())["label"] == "replied"
    assert runner.invoke(app, ["ai", "predict"]).exit_code == 0
    lead_id = next(i for i, v in verdicts.items() if v == "not-interested")
    shown = json.loads(runner.invoke(app, ["leads", "show", str(lead_id), "--json"]).stdout)
    assert shown["reply_verdict"] == "not_interested" and shown["replied_at"]
    assert shown["ai_conversion_label"] == "replied" and 0 <= shown["ai_conversion"] <= 1
    listed = json.loads(runner.invoke(app, ["leads", "list", "--limit", "500", "--json"]).stdout)
    assert sum(row["reply_verdict"] == "interested" for row in listed) == interested


def test_leads_emailed_lately_without_an_answer_are_not_yet_negatives(cli_env):
    add_emailed(cli_env, 60, sent_days_ago=3)
    result = runner.invoke(app, ["ai", "train", "--label", "replied"])
    assert result.exit_code == 1
    assert "at least 40 leads labelled replied or not" in result.stderr and "14 days ago" in result.stderr
