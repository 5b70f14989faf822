"""Templates: sandboxed, autoescaped HTML, render with or without an audit."""

from __future__ import annotations

import pytest

from leadq.errors import ValidationFailed
from leadq.mail.templates import TemplateSource, render


def _vars(name="Bob's <b>Plumbing</b>", audit=None):
    return {
        "lead": {"name": name, "website": "https://bob.example"},
        "audit": audit,
        "campaign": {"name": "c", "step": 1},
        "sender": {"name": "Ada"},
    }


def test_a_lead_name_that_looks_like_template_code_is_printed_not_run():
    out = render(TemplateSource("Hi {{ lead.name }}", "Hi {{ lead.name }}"), _vars(name="{{ 7*7 }}"))
    assert out.subject == "Hi {{ 7*7 }}" and out.text == "Hi {{ 7*7 }}"


def test_html_is_autoescaped_and_text_is_not():
    out = render(TemplateSource("s", "Hi {{ lead.name }}", "<p>Hi {{ lead.name }}</p>"), _vars())
    assert out.html == "<p>Hi Bob&#39;s &lt;b&gt;Plumbing&lt;/b&gt;</p>"
    assert out.text == "Hi Bob's <b>Plumbing</b>"


def test_without_an_html_part_the_text_becomes_escaped_html():
    out = render(TemplateSource("s", "Hi {{ lead.name }}\n\nBye"), _vars())
    assert out.html == "<p>Hi Bob&#x27;s &lt;b&gt;Plumbing&lt;/b&gt;</p>\n<p>Bye</p>"


def test_a_template_mentioning_the_audit_renders_with_and_without_one():
    source = TemplateSource("s", "{% if audit %}Score {{ audit.score }}{% else %}No audit{% endif %}")
    assert render(source, _vars()).text == "No audit"
    assert render(source, _vars(audit={"score": 42})).text == "Score 42"


def test_the_sandbox_refuses_reaching_python_internals():
    with pytest.raises(ValidationFailed, match="template cannot render"):
        render(TemplateSource("s", "{{ lead.__class__.__mro__[1].__subclasses__() }}"), _vars())


def test_a_misspelt_variable_is_an_error_not_an_empty_string():
    with pytest.raises(ValidationFailed, match="lead_name"):
        render(TemplateSource("s", "Hi {{ lead_name }}"), _vars())


def test_a_subject_never_keeps_line_breaks():
    out = render(TemplateSource("Hi {{ lead.name }}", "t"), _vars(name="A\r\nBcc: x@y.example"))
    assert out.subject == "Hi A Bcc: x@y.example"
