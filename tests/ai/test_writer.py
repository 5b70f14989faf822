"""The fact guard (property tests) and `leadq ai write`, with and without a model."""

from __future__ import annotations

import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.ai.engine import ModelCall
from leadq.ai.factguard import FactSheet, check_draft
from leadq.ai.scoring import LeadFacts
from leadq.ai.writer import write_email
from tests.campaign_factory import write_campaign

from .chat_server import json_completion
from .test_score import add_leads

runner = CliRunner()

word = st.text(string.ascii_lowercase, min_size=3, max_size=9)
name_word = word.map(str.capitalize)
business = st.lists(name_word, min_size=2, max_size=3).map(" ".join)
domain = st.tuples(word, st.sampled_from(["com", "net", "org", "biz"])).map(".".join)
rating = st.integers(10, 50).map(lambda n: n / 10)
reviews = st.integers(1, 5000)
score = st.integers(0, 100)
invented_number = st.integers(101, 10**6).map(str) | st.sampled_from(["4.95", "99.5", "1,234,567"])


@st.composite
def records(draw):
    facts = {
        "name": draw(business),
        "city": draw(st.sampled_from(["San Francisco", "Oakland", "Boston", None])),
        "website": "https://" + draw(domain),
        "rating": draw(rating),
        "review_count": draw(reviews),
        "pagespeed": {"performance_score": draw(score)},
    }
    return facts


def fact_draft(facts, sender):
    """A draft built from nothing but the record's values, in ordinary sentences."""
    city = f" in {facts['city']}" if facts["city"] else ""
    return (
        f"Hi {facts['name']} team,\n\nI came across {facts['name']}{city} and had a look at "
        f"{facts['website']}. Your customers like you: {facts['rating']} stars from "
        f"{facts['review_count']} reviews, but the site has a PageSpeed performance score of "
        f"{facts['pagespeed']['performance_score']} on a phone. Would a short call be useful?\n\n{sender}"
    )


@settings(max_examples=150, deadline=None)
@given(records())
def test_facts_from_the_record_always_pass(facts):
    sheet = FactSheet(facts, sender_name="Ada at Studio")
    assert check_draft(fact_draft(facts, "Ada at Studio"), sheet) == []


@settings(max_examples=150, deadline=None)
@given(records(), invented_number)
def test_an_invented_number_is_always_caught(facts, number):
    known = {
        str(v) for v in (facts["rating"], facts["review_count"], facts["pagespeed"]["performance_score"])
    }
    if number.replace(",", "") in known:
        return
    draft = fact_draft(facts, "Ada") + f"\nWe have helped {number} businesses like yours."
    assert any(number in problem for problem in check_draft(draft, FactSheet(facts, sender_name="Ada")))


@settings(max_examples=150, deadline=None)
@given(records(), domain, st.booleans())
def test_an_invented_web_address_is_always_caught(facts, other, with_scheme):
    if other == facts["website"].removeprefix("https://"):
        return
    link = ("https://" if with_scheme else "www.") + other
    draft = fact_draft(facts, "Ada") + f"\nSee what we did for {link}/portfolio."
    problems = check_draft(draft, FactSheet(facts, sender_name="Ada"))
    assert any("web address" in problem and other in problem for problem in problems)


@settings(max_examples=150, deadline=None)
@given(records(), business)
def test_an_invented_business_name_is_always_caught(facts, other):
    if other.lower() in json.dumps(facts).lower():
        return
    draft = fact_draft(facts, "Ada") + f"\nWe recently rebuilt the site of {other} nearby."
    problems = check_draft(draft, FactSheet(facts, sender_name="Ada"))
    assert any("name not in the record" in problem and other in problem for problem in problems)


def test_claims_and_email_addresses_need_the_record():
    facts = {"name": "Greenleaf Landscaping", "email": "joe@greenleaf-sf.com"}
    sheet = FactSheet(facts, sender_name="Ada")
    assert check_draft("Write to joe@greenleaf-sf.com any time.", sheet) == []
    problems = check_draft("As the award-winning, top-rated team, write to info@greenleaf-sf.com.", sheet)
    assert problems == [
        "email address not in the record: 'info@greenleaf-sf.com'",
        "claim the record does not make: 'award'",
        "claim the record does not make: 'top-rated'",
    ]


def test_the_rules_writer_passes_its_own_guard():
    facts = LeadFacts(
        name="Greenleaf Landscaping",
        city="San Francisco",
        website="http://greenleaf-sf.com",
        rating=4.6,
        review_count=120,
        signals={"reachable": True, "https": False, "mobile_viewport": False},
        audit={"performance_score": 31},
    )
    for case in (facts, LeadFacts(), LeadFacts(name="Sunset Painters", phone="+14155550177")):
        draft = write_email(case, ModelCall(_rules_settings()), sender_name="Ada at Studio")
        assert draft.accepted and draft.engine == "rules", draft.problems
    assert (
        "PageSpeed performance score of 31"
        in write_email(facts, ModelCall(_rules_settings()), sender_name="Ada").body
    )


def _rules_settings():
    from leadq.settings import Settings

    return Settings(ai_engine="rules")


def _email_env(monkeypatch, chat=None):
    from leadq.settings import get_settings

    monkeypatch.setenv("LEADQ_EMAIL_FROM", "Ada at Studio <ada@studio.example>")
    if chat is not None:
        monkeypatch.setenv("LEADQ_AI_ENGINE", "openai")
        monkeypatch.setenv("LEADQ_AI_BASE_URL", chat.url)
    get_settings.cache_clear()


def test_cli_write_previews_the_rules_draft(cli_env, monkeypatch):
    ids = add_leads(cli_env)
    _email_env(monkeypatch)
    result = runner.invoke(app, ["ai", "write", "--lead", str(ids["old"]), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["engine"], data["accepted"], data["used"]) == ("rules", True, "draft")
    assert data["body"].startswith("Hi Greenleaf Landscaping,") and data["body"].endswith("Ada at Studio")


def test_a_rejected_model_draft_falls_back_to_the_campaign_template(cli_env, monkeypatch, chat, tmp_path):
    ids = add_leads(cli_env)
    _email_env(monkeypatch, chat)
    path = write_campaign(tmp_path / "campaign")
    assert runner.invoke(app, ["campaign", "create", str(path)]).exit_code == 0
    invented = {
        "subject": "Greenleaf, voted best landscaper",
        "body": "Hi Greenleaf Landscaping, congratulations on your 4.9 rating! Visit greenleaf.example.",
    }
    chat.script(json_completion(invented))
    result = runner.invoke(
        app, ["ai", "write", "--lead", str(ids["old"]), "--campaign", "Plumbers", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["engine"], data["accepted"], data["used"]) == ("openai", False, "template")
    assert "number not in the record: '4.9'" in data["problems"]
    assert data["template"]["subject"] == "A faster site for Greenleaf Landscaping"
    assert "A faster site" in chat.requests[0]["messages"][1]["content"]  # the step's subject, for tone
    text = runner.invoke(app, ["ai", "write", "--lead", str(ids["old"]), "--campaign", "Plumbers"]).stdout
    assert "the step's template is used instead" in text and "voted" in text  # cached draft, shown rejected


def test_an_accepted_model_draft_is_used(cli_env, monkeypatch, chat):
    ids = add_leads(cli_env)
    _email_env(monkeypatch, chat)
    honest = {
        "subject": "Greenleaf Landscaping on a phone",
        "body": "Hi Greenleaf Landscaping, your 4.6 stars from 120 reviews show happy customers. "
        "On a phone your site scores 31 for PageSpeed performance. Could we help?\n\nAda at Studio",
    }
    chat.script(json_completion(honest))
    data = json.loads(runner.invoke(app, ["ai", "write", "--lead", str(ids["old"]), "--json"]).stdout)
    assert (data["accepted"], data["used"], data["problems"]) == (True, "draft", [])
