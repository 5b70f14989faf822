"""Only http(s) links reach a template: a scraped `javascript:` website never becomes an email href."""

from __future__ import annotations

import pytest

from leadq.leads.models import Lead
from leadq.mail.templates import TemplateSource, render
from leadq.mail.variables import template_variables

LINK = TemplateSource(
    subject="Hi",
    text="{{ lead.website }} {{ audit.final_url if audit else '' }}",
    html='<a href="{{ lead.website }}">site</a><a href="{{ audit.final_url if audit else \'\' }}">report</a>',
)


def _render(website: str | None, audit_url: str | None = None):
    variables = template_variables(
        Lead(id=1, name="Shop", website=website),
        audit={"final_url": audit_url, "score": 40} if audit_url else None,
        campaign_name="c",
        sender_name="Ada",
        step_number=1,
    )
    return render(LINK, variables)


@pytest.mark.parametrize(
    "hostile",
    [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "  javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "//evil.example/path",
        "http:/no-host",
        "file:///etc/passwd",
    ],
)
def test_a_website_that_is_not_an_http_link_reaches_the_template_as_nothing(hostile):
    rendered = _render(hostile, audit_url=hostile)
    assert rendered.html == '<a href="">site</a><a href="">report</a>'
    assert rendered.text.strip() == ""


@pytest.mark.parametrize("url", ["https://shop.example/", "http://shop.example/a?b=c&d=e"])
def test_http_and_https_links_pass_and_are_escaped_in_html(url):
    rendered = _render(url, audit_url=url)
    escaped = url.replace("&", "&amp;")
    assert rendered.html == f'<a href="{escaped}">site</a><a href="{escaped}">report</a>'
