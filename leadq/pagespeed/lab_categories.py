"""The SEO and best-practices categories of a local audit, and why accessibility has none.

Scores go into ``AuditRecord.categories`` beside performance, as PSI's do; what
each covers (audits run, audits left out and why) goes into the record's
``details["lab_categories"]`` so every view can say it in words.
"""

from __future__ import annotations

from typing import Any

from leadq.pagespeed.best_practices import NOT_MEASURED as BEST_PRACTICES_NOT_MEASURED
from leadq.pagespeed.best_practices import best_practices_audits, unreached_not_measured
from leadq.pagespeed.categories import category_details, category_score
from leadq.pagespeed.seo import NOT_MEASURED as SEO_NOT_MEASURED
from leadq.pagespeed.seo import seo_audits

#: Said wherever a local audit's categories are shown.
ACCESSIBILITY_ABSENT = (
    "Accessibility is not scored: Lighthouse measures it with axe-core's rules, "
    "which leadq's lab test does not run."
)


def lab_categories(facts: dict[str, Any]) -> tuple[dict[str, int | None], dict[str, Any]]:
    """(category -> 0-100, category -> what it covers) for the facts of one page load."""
    seo = seo_audits(facts)
    best_practices = best_practices_audits(facts)
    scores = {"best-practices": category_score(best_practices), "seo": category_score(seo)}
    details = {
        "best-practices": category_details(
            best_practices, BEST_PRACTICES_NOT_MEASURED + unreached_not_measured(facts)
        ),
        "seo": category_details(seo, SEO_NOT_MEASURED),
        "accessibility": {"not_measured": ACCESSIBILITY_ABSENT},
    }
    return scores, details
