"""`leadq ai extract` and `leadq ai classify`: rules, a model checked against its input, bad input."""

from __future__ import annotations

import json

from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.ai.classify import Reply, classify, parse_reply, rules_classify
from leadq.ai.engine import ModelCall
from leadq.ai.extract import extract, rules_extract
from leadq.ai.text import decode, prepare

from .chat_server import completion, json_completion

runner = CliRunner()

POSTING = """Greenleaf Landscaping - lawns, hedges and garden design in San Francisco.
Call Joe at (415) 555-0134 or write joe [at] greenleaf-sf [dot] com.
Photos: https://www.facebook.com/greenleafsf  Site: www.greenleaf-sf.com
"""

BOUNCE = """From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: ada@studio.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net. Your message could not be delivered.
<joe@greenleaf-sf.com>: host said: 550 5.1.1 User unknown
--b1--
"""

AWAY = """From: Joe <joe@greenleaf-sf.com>
Subject: Re: A faster website for Greenleaf
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

I am away until Monday with limited access to email.
"""

INTERESTED_WITH_FOOTER = """From: Joe <joe@greenleaf-sf.com>
Subject: Re: A faster website for Greenleaf
Content-Type: text/html; charset=utf-8

<p>Sounds good, give me a call on Thursday.</p>
<p>On Mon, Dec 1, 2026 at 9:00 AM Ada &lt;ada@studio.example&gt; wrote:</p>
<blockquote>&gt; Not for you? Unsubscribe: https://studio.example/u/abc</blockquote>
"""


def test_rules_extract_uses_leadqs_extractors():
    found = rules_extract(POSTING)
    assert (found.phone, found.email) == ("+14155550134", "joe@greenleaf-sf.com")
    assert found.website is None  # the only http URL is a Facebook profile
    assert found.engine == "rules"


def test_profiles_on_the_shared_profile_hosts_are_not_websites_but_builder_sites_are():
    text = (
        "Find us on https://linktr.ee/greenleafsf and https://www.yelp.com/biz/greenleaf-sf, "
        "book at https://greenleaf.wixsite.com/home"
    )
    assert rules_extract(text).website == "https://greenleaf.wixsite.com/home"


def test_a_models_contact_details_are_kept_only_when_written_in_the_input(ai_settings, chat):
    chat.script(
        json_completion(
            {
                "business_name": "Greenleaf Landscaping",
                "services": ["lawns", "hedges", "garden design"],
                "phone": "(415) 555-0134",
                "email": "info@greenleaf-sf.com",  # not in the text: invented
                "website": "https://www.greenleaf-sf.com/",  # written without the scheme
                "city": "San Francisco",
            }
        )
    )
    found = extract(prepare(POSTING, max_chars=10_000), ModelCall(ai_settings))
    assert (found.engine, found.business_name, found.city) == (
        "openai",
        "Greenleaf Landscaping",
        "San Francisco",
    )
    assert found.phone == "+14155550134"
    assert found.email == "joe@greenleaf-sf.com" and found.dropped == ["info@greenleaf-sf.com"]
    assert found.website == "https://www.greenleaf-sf.com/"


def test_a_made_up_phone_and_url_are_dropped(ai_settings, chat):
    chat.script(json_completion({"phone": "+1 415 555 0199", "website": "https://greenleaf.example"}))
    found = extract(prepare(POSTING, max_chars=10_000), ModelCall(ai_settings))
    assert (found.phone, found.website) == ("+14155550134", None)
    assert found.dropped == ["+1 415 555 0199", "https://greenleaf.example"]


def test_rules_classify_reads_machine_headers_and_phrases():
    assert rules_classify(parse_reply(BOUNCE)).category == "bounce"
    assert rules_classify(parse_reply(AWAY)).category == "out_of_office"
    # The quoted original's unsubscribe link is not the reply's own words.
    assert rules_classify(parse_reply(INTERESTED_WITH_FOOTER)).category == "interested"
    assert rules_classify(parse_reply("Please take me off your list.")).category == "unsubscribe"
    assert rules_classify(parse_reply("No thanks, we already have a web guy.")).category == "not_interested"
    assert rules_classify(parse_reply("How much would a new site cost?")).category == "question"


def test_the_model_classifies_but_never_overrules_an_opt_out(ai_settings, chat):
    chat.script(json_completion({"category": "question", "confidence": 0.7, "reason": "asks about price"}))
    answer = classify(
        Reply("Re: site", "joe@x.example", "Hmm, what would that run me"), ModelCall(ai_settings)
    )
    assert (answer.category, answer.engine) == ("question", "openai")
    opt_out = classify(Reply("Re: site", "joe@x.example", "Stop emailing me."), ModelCall(ai_settings))
    assert (opt_out.category, opt_out.engine) == ("unsubscribe", "rules")
    assert len(chat.requests) == 1


def test_non_utf8_bytes_are_decoded_and_huge_input_is_truncated_with_a_note():
    assert decode("Café Núñez, (415) 555-0134".encode("cp1252")) == "Café Núñez, (415) 555-0134"
    assert decode(b"\xef\xbb\xbfhello") == "hello"
    text = prepare("x" * 5_000_000, max_chars=20_000)
    assert text.truncated and text.original_chars == 5_000_000
    assert len(text.text) < 20_100 and "truncated by leadq: 4980000 of 5000000" in text.text


def test_cli_extract_and_classify_take_files_and_stdin(cli_env, tmp_path):
    posting = tmp_path / "posting.txt"
    posting.write_bytes(POSTING.replace("Call", "Café: call").encode("cp1252"))
    result = runner.invoke(app, ["ai", "extract", str(posting), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["phone"] == "+14155550134"
    piped = runner.invoke(app, ["ai", "classify", "-", "--json"], input=BOUNCE)
    assert json.loads(piped.stdout)["category"] == "bounce"
    text = runner.invoke(app, ["ai", "classify", "-"], input=AWAY).stdout
    assert "out_of_office" in text


def test_cli_bad_input_is_one_line(cli_env, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    result = runner.invoke(app, ["ai", "extract", str(empty)])
    assert result.exit_code == 1 and "is empty: nothing to read" in result.stderr
    missing = runner.invoke(app, ["ai", "classify", str(tmp_path / "nope.eml")])
    assert missing.exit_code == 1 and "cannot read" in missing.stderr
    huge = tmp_path / "huge.txt"
    huge.write_text(POSTING + "lorem ipsum " * 450_000)  # 5.4 MB
    result = runner.invoke(app, ["ai", "extract", str(huge), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["truncated"] is True
    assert "only the first 20000 are read" in result.stderr


def test_a_provider_answering_prose_is_a_one_line_error(cli_env, chat, monkeypatch, tmp_path):
    monkeypatch.setenv("LEADQ_AI_ENGINE", "openai")
    monkeypatch.setenv("LEADQ_AI_BASE_URL", chat.url)
    from leadq.settings import get_settings

    get_settings.cache_clear()
    prose = completion("The business is Greenleaf Landscaping, reachable at (415) 555-0134.")
    chat.script(prose, prose)
    result = runner.invoke(app, ["ai", "extract", "-"], input=POSTING)
    assert result.exit_code == 1
    assert "gave an invalid extract answer twice" in result.stderr and "Traceback" not in result.output


def _sender(monkeypatch):
    from leadq.settings import get_settings

    monkeypatch.setenv("LEADQ_EMAIL_FROM", "Ada at Studio <ada@studio.example>")
    get_settings.cache_clear()


def test_draft_reply_answers_people_and_not_machines_or_opt_outs(cli_env, monkeypatch):
    _sender(monkeypatch)
    result = runner.invoke(app, ["ai", "draft-reply", "-", "--json"], input=INTERESTED_WITH_FOOTER)
    assert result.exit_code == 0, result.output
    draft = json.loads(result.stdout)
    assert (draft["category"], draft["subject"], draft["accepted"]) == (
        "interested",
        "Re: A faster website for Greenleaf",
        True,
    )
    assert draft["body"].endswith("Ada at Studio")
    for message, note in ((BOUNCE, "nothing to answer"), ("Please remove me.", "suppress the address")):
        data = json.loads(runner.invoke(app, ["ai", "draft-reply", "-", "--json"], input=message).stdout)
        assert data["body"] is None and note in data["note"]


def test_a_model_reply_draft_may_not_promise_what_the_person_never_said(ai_settings, chat):
    from leadq.ai.classify import Classification
    from leadq.ai.replies import draft_reply

    reply = Reply("Re: site", "joe@x.example", "How long would a new site take?")
    promise = {
        "subject": "Re: site",
        "body": "Great question! We deliver in 14 days for $999, see studio.example.",
    }
    chat.script(json_completion(promise))
    draft = draft_reply(
        reply, Classification("question", 0.9, "asks"), ModelCall(ai_settings), sender_name="Ada"
    )
    assert not draft.accepted
    assert {"number not in the record: '14'", "number not in the record: '999'"} <= set(draft.problems)
