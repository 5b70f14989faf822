"""`leadq leads list/show/export` over a store filled through the leads API."""

from __future__ import annotations

import csv
import json

from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.db import session_scope
from leadq.leads.record import LeadRecord
from leadq.leads.store import upsert_lead

runner = CliRunner()


def fill(settings) -> int:
    with session_scope(settings) as session:
        first, _ = upsert_lead(
            LeadRecord(
                source="craigslist",
                external_id="1",
                name="Greenleaf",
                site="sfbay",
                phones=["+14155550134"],
                emails=["hi@greenleaf.example"],
            ),
            session=session,
        )
        upsert_lead(
            LeadRecord(
                source="yellowpages",
                external_id="y1",
                name="Greenleaf Landscaping",
                phones=["+14155550134"],
                website="https://greenleaf.example",
            ),
            session=session,
        )
        upsert_lead(
            LeadRecord(source="craigslist", external_id="2", name='Café Núñez, "patios"', site="boston"),
            session=session,
        )
        return first.id


def test_list_filters_and_prints_json(cli_env):
    fill(cli_env)
    result = runner.invoke(app, ["leads", "list", "--json"])
    assert result.exit_code == 0
    assert [lead["name"] for lead in json.loads(result.stdout)] == ['Café Núñez, "patios"', "Greenleaf"]
    # San Francisco's area code; the lead without a phone or state has no timezone.
    assert [lead["timezone"] for lead in json.loads(result.stdout)] == [None, "America/Los_Angeles"]
    emails = json.loads(runner.invoke(app, ["leads", "list", "--has-email", "--json"]).stdout)
    assert [lead["email"] for lead in emails] == ["hi@greenleaf.example"]
    by_source = json.loads(runner.invoke(app, ["leads", "list", "--source", "yellowpages", "--json"]).stdout)
    assert [lead["website_domain"] for lead in by_source] == ["greenleaf.example"]
    assert json.loads(
        runner.invoke(app, ["leads", "list", "--site", "boston", "--since", "1h", "--json"]).stdout
    )


def test_show_lists_every_source_reference(cli_env):
    lead_id = fill(cli_env)
    data = json.loads(runner.invoke(app, ["leads", "show", str(lead_id), "--json"]).stdout)
    assert [ref["source"] for ref in data["sources"]] == ["craigslist", "yellowpages"]
    assert (data["phone"], data["timezone"]) == ("+14155550134", "America/Los_Angeles")
    missing = runner.invoke(app, ["leads", "show", "999"])
    assert missing.exit_code == 1 and "no lead with id 999" in missing.stderr


def test_export_writes_csv_and_jsonl(cli_env, tmp_path):
    fill(cli_env)
    out = tmp_path / "leads.csv"
    result = runner.invoke(app, ["leads", "export", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0 and "wrote 2 lead(s)" in result.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["name"] for row in rows] == ["Greenleaf", 'Café Núñez, "patios"']
    assert rows[0]["emails"] == "hi@greenleaf.example"
    jsonl = tmp_path / "leads.jsonl"
    runner.invoke(app, ["leads", "export", "--format", "jsonl", "--out", str(jsonl), "--site", "boston"])
    assert [json.loads(line)["site"] for line in jsonl.read_text(encoding="utf-8").splitlines()] == ["boston"]


def test_bad_options_are_one_line_usage_errors(cli_env, tmp_path):
    bad_format = runner.invoke(app, ["leads", "export", "--format", "xml", "--out", str(tmp_path / "x")])
    assert bad_format.exit_code == 2 and "--format must be csv or jsonl" in bad_format.stderr
    bad_since = runner.invoke(app, ["leads", "list", "--since", "yesterday"])
    assert bad_since.exit_code == 2 and "--since takes a duration" in bad_since.stderr
