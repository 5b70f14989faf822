"""Problems in plain words, from real reports and from local checks."""

from __future__ import annotations

from pathlib import Path

from leadq.pagespeed.record import AuditRecord, Check
from leadq.pagespeed.report_parser import parse_file
from leadq.pagespeed.summary import category_coverage, failed_audits, problems, rate, verdicts

LHR_13 = Path(__file__).parents[1] / "fixtures" / "psi" / "lighthouse-13.5-lhr-local-fast-page-mobile.json"


def slow_site() -> AuditRecord:
    return AuditRecord(
        url="http://joes.example",
        final_url="http://joes.example/",
        engine="local",
        strategy="mobile",
        performance_score=31,
        lcp_ms=6200,
        cls=0.31,
        tbt_ms=900,
        ttfb_ms=2100,
        checks=[Check("https", False), Check("viewport", False), Check("title", True)],
        details={"status": 200, "redirects": [{"url": "a", "status": 301}, {"url": "b", "status": 302}]},
    )


def test_a_slow_insecure_site_gets_every_sentence_a_salesperson_needs() -> None:
    said = problems(slow_site())
    assert said[0] == "Visitors are bounced through 2 redirects before the page loads."
    assert (
        "The site scores 31/100 for speed on leadq's lab test (Lighthouse scoring) for phones"
        " — slower than most websites." in said
    )
    assert not any("Google's PageSpeed" in s for s in said)
    assert any(s.startswith("The main content takes 6.2 seconds to appear on phones") for s in said)
    assert any("jumps around while it loads (layout shift 0.31" in s for s in said)
    assert any("freeze the page for 900 ms" in s for s in said)
    assert any("takes 2.1 s just to start answering" in s for s in said)
    assert any("not secure (no HTTPS)" in s for s in said)
    assert any("not set up for phones" in s for s in said)
    assert not any("title" in s for s in said)


def test_a_fast_page_has_no_speed_problems() -> None:
    said = problems(parse_file(LHR_13))
    assert not any("seconds to appear" in s or "for speed" in s for s in said)
    assert any(s.startswith("Accessibility scores 57/100") for s in said)


def test_a_file_the_server_was_slow_to_send_is_named_though_the_score_leaves_it_out() -> None:
    slow = [
        {"url": "https://joes.example/img/hero.jpg?v=2", "extra_server_ms": 1430},
        {"url": "https://joes.example/js/app.js", "extra_server_ms": 620},
        {"url": "https://joes.example/logo.png", "extra_server_ms": 180},  # too little to mention
    ]
    record = AuditRecord(url="u", final_url="u", engine="local", strategy="mobile")
    record.details["slow_responses"] = slow
    [said] = [s for s in problems(record) if "longer to send" in s]
    assert said.startswith("The server takes 1.4 s longer to send hero.jpg (and 1 more file) than the rest")
    assert "visitors wait for it" in said
    record.details["slow_responses"] = slow[2:]
    assert not any("longer to send" in s for s in problems(record))


def test_an_error_status_is_called_out() -> None:
    record = AuditRecord(url="u", final_url="u", engine="local", strategy="desktop", details={"status": 404})
    assert problems(record)[0] == "The home page answers with an error (HTTP 404) instead of the site."


def test_ratings_follow_core_web_vitals_thresholds() -> None:
    assert [rate("lcp_ms", v) for v in (2500, 2501, 4000, 4001)] == [
        "good",
        "needs-improvement",
        "needs-improvement",
        "poor",
    ]
    assert rate("cls", None) == "unknown"
    assert {v.key: v.display for v in verdicts(slow_site())}["lcp_ms"] == "6.2 s"


def test_only_a_psi_audit_is_called_googles_test() -> None:
    record = slow_site()
    record.engine = "psi"
    assert any("on Google's PageSpeed Insights test for phones" in s for s in problems(record))


def test_a_poorly_scored_category_is_always_a_problem() -> None:
    record = AuditRecord(
        url="u",
        final_url="u",
        engine="psi",
        strategy="mobile",
        performance_score=100,
        categories={"performance": 100, "accessibility": 57, "best-practices": 100, "seo": 92},
    )
    said = problems(record)
    assert said == [
        "Accessibility scores 57/100: some visitors (screen readers, poor eyesight, keyboard only) "
        "will struggle to use the site."
    ]


def test_a_lab_audit_says_what_its_categories_cover_and_which_audits_failed() -> None:
    record = AuditRecord(
        url="u",
        final_url="u",
        engine="local",
        strategy="mobile",
        categories={"performance": 95, "best-practices": 100, "seo": 89},
        details={
            "lab_categories": {
                "seo": {
                    "audits": [
                        {"id": "document-title", "title": "Document has a <title> element", "score": 1.0},
                        {
                            "id": "meta-description",
                            "title": "Document has a meta description",
                            "score": 0.0,
                            "detail": "no meta description",
                        },
                    ],
                    "not_measured": [{"id": "image-alt", "weight": 1, "why": "an axe-core rule"}],
                    "weight_measured": 2,
                    "weight_total": 3,
                },
                "accessibility": {"not_measured": "Accessibility is not scored: no axe-core."},
            }
        },
    )
    assert category_coverage(record) == [
        "SEO covers 2 of Lighthouse's 3 audits (2 of 3 weight points)."
        " Not measured: image-alt (an axe-core rule).",
        "Accessibility is not scored: no axe-core.",
    ]
    assert (
        category_coverage(record, reasons=False)[0]
        == "SEO covers 2 of Lighthouse's 3 audits (2 of 3 weight points)."
    )
    assert failed_audits(record) == ["SEO — not passed: Document has a meta description: no meta description"]
    assert "Search-engine basics score 89/100" in " ".join(problems(record))
