"""The conversion model, trained on leads the test builds with a known signal."""

from __future__ import annotations

import json
import random

from leadq.cli.app import app
from sqlmodel import select
from typer.testing import CliRunner

from leadq.db import session_scope
from leadq.leads.models import Lead
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
    result = runner.invoke(app, ["ai", "train"])
    assert result.exit_code == 1 and "needs at least 40 leads marked won or lost" in result.stderr
    assert "has 10" in result.stderr
    nothing = runner.invoke(app, ["ai", "predict"])
    assert nothing.exit_code == 1 and "no conversion model yet" in nothing.stderr
    assert runner.invoke(app, ["leads", "mark", str(ids[0]), "--clear"]).exit_code == 0
    assert runner.invoke(app, ["leads", "mark", str(ids[1]), "--won"]).stdout.strip() == f"lead {ids[1]}: won"
    shown = json.loads(runner.invoke(app, ["leads", "show", str(ids[0]), "--json"]).stdout)
    assert shown["outcome"] is None
    both = runner.invoke(app, ["leads", "mark", str(ids[0]), "--won", "--lost"])
    assert both.exit_code == 2
