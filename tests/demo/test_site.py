"""Rendering demo sites: industry templates, the operator's own templates, hostile lead text."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from leadq.demo.content import business_of
from leadq.demo.industry import industry_for
from leadq.demo.service import BuildOptions, build_demo
from leadq.errors import ConfigError, ValidationFailed
from leadq.leads.models import Lead

from .conftest import HOSTILE, HOURS, PLUMBER

NO_SHOTS = BuildOptions(screenshots=False)


def index_of(demo) -> str:
    return (Path(demo.work_dir) / "site" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("category", "template"),
    [
        ("Plumber", "trades"),
        ("Roofing contractor", "trades"),
        ("Italian restaurant", "food"),
        ("Coffee shop", "food"),
        ("Barber shop", "beauty"),
        ("Dental clinic", "beauty"),
        ("Law firm", "professional"),
        ("Certified Public Accountant (CPA)", "professional"),
        ("Team building venue", "generic"),
        (None, "generic"),
    ],
)
def test_the_template_follows_the_category(category, template) -> None:
    assert industry_for(category).key == template


def test_a_plumber_gets_the_trades_page_with_tap_to_call_address_hours_and_rating(
    settings, make_lead
) -> None:
    demo = build_demo(settings, make_lead(extra=HOURS, **PLUMBER), NO_SHOTS)
    page = index_of(demo)
    assert demo.template == "trades"
    assert '<html lang="en">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'href="tel:+12175550100"' in page and "(217) 555-0100" in page
    assert "1 Main St<br>Springfield, IL 62701" in page
    assert re.search(r"Monday</th><td[^>]*>7 AM–6 PM", page)
    assert "Rated 4.6 out of 5 by 31 customers" in page
    for landmark in ("<header>", "<main", "<footer>", "<nav "):
        assert landmark in page
    # Self-contained: nothing is loaded from anywhere.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page
    assert demo.manifest["template"] == "trades"
    assert {f["path"] for f in demo.manifest["files"]} == {"site/index.html"}


def test_hostile_text_is_text_and_never_a_link(settings, make_lead) -> None:
    lead_id = make_lead(
        name=HOSTILE,
        category=HOSTILE,
        address=HOSTILE,
        city=HOSTILE,
        phone="javascript:alert(1)",
        extra={"description": HOSTILE, "services": [HOSTILE], "opening_hours": {HOSTILE: HOSTILE}},
    )
    page = index_of(build_demo(settings, lead_id, NO_SHOTS))
    assert "<script" not in page and "onerror=" not in page.replace("onerror=&#34;", "")
    assert 'href="javascript' not in page and "tel:" not in page
    assert html.escape("<script>window.__pwned = 1</script>") in page
    assert "مطعم الشام 🍕🔥" in page
    # Bidi overrides are dropped: a name cannot flip the text that follows it.
    assert "\u202e" not in page
    assert 'dir="auto"' in page


def test_a_10000_character_name_is_kept_on_the_page_and_shortened_in_the_title(settings, make_lead) -> None:
    name = "Ab" * 5000
    page = index_of(build_demo(settings, make_lead(name=name, category="Bakery"), NO_SHOTS))
    assert name in page
    title = re.search(r"<title>(.*)</title>", page).group(1)
    assert len(title) < 120 and title.startswith("AbAb")


def test_a_lead_with_no_data_at_all_still_gets_a_page(settings, make_lead) -> None:
    demo = build_demo(settings, make_lead(), NO_SHOTS)
    page = index_of(demo)
    assert demo.template == "generic"
    assert "Your business" in page and "tel:" not in page and "<address" not in page
    assert "Ask us anything" in page


def test_missing_phone_and_address_leave_no_empty_contact_lines(settings, make_lead) -> None:
    page = index_of(build_demo(settings, make_lead(name="Rosa's Salon", category="Hair salon"), NO_SHOTS))
    assert "tel:" not in page and "Phone:" not in page and "<address" not in page
    assert 'href="#contact">Get in touch' in page


def test_a_rebuild_keeps_the_demo_and_its_token(settings, make_lead) -> None:
    lead_id = make_lead(**PLUMBER)
    first = build_demo(settings, lead_id, NO_SHOTS)
    second = build_demo(settings, lead_id, NO_SHOTS)
    assert (second.id, second.token) == (first.id, first.token)
    assert re.fullmatch(r"[0-9a-f]{32}", second.token)
    assert build_demo(settings, make_lead(**PLUMBER), NO_SHOTS).token != second.token
    assert not [p for p in Path(second.work_dir).parent.iterdir() if p.name.startswith(".")]


def test_an_unknown_lead_or_template_is_a_clear_error(settings, make_lead) -> None:
    with pytest.raises(ValidationFailed, match="lead 999 does not exist"):
        build_demo(settings, 999, NO_SHOTS)
    with pytest.raises(ValidationFailed, match="unknown demo template 'bakery'"):
        build_demo(settings, make_lead(), BuildOptions(template="bakery", screenshots=False))


def test_a_template_in_the_user_directory_overrides_leadqs(settings, make_lead, tmp_path) -> None:
    own = tmp_path / "templates"
    own.mkdir()
    (own / "trades.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block tagline %}Hand-made by {{ business.name }}{% endblock %}'
    )
    custom = settings.model_copy(update={"demo_templates": own})
    page = index_of(build_demo(custom, make_lead(name="<b>Joe</b>", category="Plumber"), NO_SHOTS))
    assert "Hand-made by &lt;b&gt;Joe&lt;/b&gt;" in page


def test_a_template_syntax_error_names_the_file_and_line(settings, make_lead, tmp_path) -> None:
    own = tmp_path / "templates"
    own.mkdir()
    broken = own / "base.html.j2"
    broken.write_text("<html>\n<body>\n<main>\n<h1>{{ business.name }</h1>\n</main>\n")
    custom = settings.model_copy(update={"demo_templates": own})
    with pytest.raises(ConfigError) as caught:
        build_demo(custom, make_lead(category="Plumber"), NO_SHOTS)
    message = str(caught.value)
    assert str(broken) in message and "line 4" in message and "\n" not in message


def test_business_copy_comes_from_the_industry_when_the_lead_is_silent() -> None:
    business = business_of(Lead(source="t", name="Cafe Uno", category="Cafe"), industry_for("Cafe"))
    assert [s.title for s in business.services] == ["Dine in", "Take away", "Catering"]
    assert business.phone_tel is None and business.stars == ""
