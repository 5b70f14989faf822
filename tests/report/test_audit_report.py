"""The audit report rendered from real Lighthouse reports and hostile records, without a browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leadq.errors import ConfigError
from leadq.pagespeed.record import AuditRecord, Check
from leadq.pagespeed.report_parser import parse_file
from leadq.report.audit import Agency, AuditReport, audit_html, check_rows, logo_uri, section
from leadq.report.charts import gauge, histogram
from leadq.report.render import render
from leadq.report.site_checks import lead_checks

FIXTURES = Path(__file__).parents[1] / "fixtures" / "psi"
PSI_2019 = FIXTURES / "psi-v5-response-2019-html5rocks-desktop.json"
LHR_13 = FIXTURES / "lighthouse-13.5-lhr-local-fast-page-mobile.json"
NOW = datetime(2026, 12, 2, tzinfo=UTC)


def report_of(
    *records: AuditRecord, business: str = "Joe's Plumbing", agency: Agency | None = None
) -> AuditReport:
    return AuditReport(
        business=business,
        url=records[0].final_url or records[0].url,
        lead_id=None,
        generated=NOW,
        sections=[section(record, NOW) for record in records],
        checks=check_rows(records[0].checks),
        unchecked=[],
        agency=agency or Agency("Acme Web", "hello@acme.test", None),
    )


def test_a_lighthouse_report_with_accessibility_57_lists_it_as_a_problem() -> None:
    html = audit_html(report_of(parse_file(LHR_13)), None)
    assert "No major problems" not in html
    assert "Accessibility scores 57/100" in html
    assert html.count('<svg class="gauge') == 4  # performance, accessibility, best practices, SEO
    assert 'class="gauge gauge-average"' in html  # 57 is orange
    assert "a Lighthouse test run by leadq" in html and "PageSpeed" not in html


def test_pictures_from_lighthouse_are_inlined_and_nothing_is_fetched() -> None:
    html = audit_html(report_of(parse_file(LHR_13)), None)
    assert 'class="screenshot" src="data:image/jpeg;base64,' in html
    assert html.count('<figure><img src="data:image/') == 8  # the filmstrip's thumbnails
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert "default-src 'none'" in html


def test_field_data_is_labelled_in_words() -> None:
    html = audit_html(report_of(parse_file(PSI_2019)), None)
    assert "First Contentful Paint" in html and "FIRST_CONTENTFUL_PAINT_MS" not in html
    assert "Real visitors (Chrome users of" in html
    assert "Google&#39;s PageSpeed Insights test" in html


def test_scraped_text_is_escaped_everywhere_it_is_shown() -> None:
    evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    record = AuditRecord(
        url="http://joes.example/" + evil,
        final_url="http://joes.example/" + evil,
        engine="local",
        strategy="mobile",
        performance_score=40,
        categories={"performance": 40},
        checks=[Check("title", True, evil), Check("https", False, "http://joes.example/" + evil)],
        details={"screenshot": 'javascript:alert(3)"', "filmstrip": [{"timing_ms": 1, "data": evil}]},
    )
    html = audit_html(report_of(record, business=evil), None)
    assert "<script" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html and 'class="filmstrip"' not in html


def test_gauges_use_lighthouses_colour_bands() -> None:
    assert [str(gauge(s, "x")).split('"')[1] for s in (0, 49, 50, 89, 90, 100, None)] == [
        "gauge gauge-fail",
        "gauge gauge-fail",
        "gauge gauge-average",
        "gauge gauge-average",
        "gauge gauge-pass",
        "gauge gauge-pass",
        "gauge gauge-none",
    ]
    assert str(histogram([5, 95, 99])).count("<rect") == 10


def test_a_user_template_directory_overrides_leadqs_templates(tmp_path) -> None:
    (tmp_path / "audit.html.j2").write_text(
        '{% extends "leadq/audit.html.j2" %}'
        "{% block footer %}<footer>Call {{ report.agency.name }} today</footer>{% endblock %}"
    )
    html = audit_html(report_of(parse_file(LHR_13)), tmp_path)
    assert "<footer>Call Acme Web today</footer>" in html and "Accessibility scores 57/100" in html
    with pytest.raises(ConfigError, match="not a directory"):
        audit_html(report_of(parse_file(LHR_13)), tmp_path / "missing")
    (tmp_path / "campaign.html.j2").write_text("{{ nope.nothing }}")
    with pytest.raises(ConfigError, match="report template campaign.html.j2"):
        render("campaign.html.j2", tmp_path)


def test_the_agency_logo_is_inlined_and_must_be_an_image(tmp_path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert logo_uri(logo).startswith("data:image/svg+xml;base64,")
    with pytest.raises(ConfigError, match="not a PNG"):
        logo_uri(tmp_path / "logo.txt")
    with pytest.raises(ConfigError, match="cannot read"):
        logo_uri(tmp_path / "gone.png")


def test_crawl_signals_become_checks_only_where_the_crawl_answers() -> None:
    signals = {
        "reachable": True,
        "emails": [],
        "phones": [],
        "contact_form": True,
        "generator": "WordPress 5.2.4",
        "cms": "WordPress",
        "copyright_year": 2019,
    }
    checks = {c.id: (c.passed, c.detail) for c in lead_checks(signals, year=2026)}
    assert checks == {
        "contact_details": (False, "contact form found on the site"),
        "cms_current": (False, "WordPress 5.2 (supported releases: 6.x and later)"),
        "copyright_current": (False, "© 2019 in the footer"),
    }
    fresh = {**signals, "phones": ["+15555550100"], "generator": "WordPress", "copyright_year": 2025}
    assert {c.id: c.passed for c in lead_checks(fresh, year=2026)} == {
        "contact_details": True,
        "copyright_current": True,
    }
    assert lead_checks({}, year=2026) == []
