"""SiteReport merging, its JSON form, and best_email's choice."""

from __future__ import annotations

import json

from leadq.enrich.extract import PageSignals
from leadq.enrich.report import PageResult, SiteReport, best_email

SITE = "https://www.harbor-landscaping.com/"


def report_with(emails: list[str], final_url: str = SITE) -> SiteReport:
    report = SiteReport(url="http://harbor-landscaping.com", final_url=final_url)
    report.add(PageSignals(url=final_url, emails=emails))
    return report


def test_an_address_on_the_sites_own_domain_beats_a_role_address_elsewhere():
    emails = ["info@gmail.com", "jane@harbor-landscaping.com", "contact@harbor-landscaping.com"]

    assert best_email(report_with(emails)) == "contact@harbor-landscaping.com"


def test_a_subdomain_of_the_site_counts_as_its_own_domain():
    report = report_with(["bob@gmail.com", "sales@mail.harbor-landscaping.com"])

    assert best_email(report) == "sales@mail.harbor-landscaping.com"


def test_without_an_own_domain_address_info_comes_before_a_personal_one():
    assert best_email(report_with(["jane.doe@gmail.com", "info@yahoo.com"])) == "info@yahoo.com"


def test_personal_addresses_keep_page_order_and_no_reply_is_never_chosen():
    assert best_email(report_with(["noreply@harbor-landscaping.com", "bob@x.com", "al@y.com"])) == "bob@x.com"
    assert best_email(report_with(["no-reply@harbor-landscaping.com"])) is None


def test_a_site_that_was_never_read_has_no_best_email():
    assert best_email(SiteReport(url=SITE, pages=[PageResult(url=SITE, error="HTTP 404")])) is None


def test_merging_keeps_the_home_pages_profile_and_title_and_the_latest_copyright():
    report = SiteReport(url=SITE, final_url=SITE)
    report.add(
        PageSignals(
            url=SITE,
            title="Home",
            social={"facebook": "a"},
            copyright_year=2012,
            internal_links=[SITE + "contact"],
        )
    )
    report.add(
        PageSignals(
            url=SITE + "contact",
            title="Contact",
            social={"facebook": "b", "yelp": "c"},
            copyright_year=2016,
            contact_form=True,
            cms="Wix",
        )
    )

    assert report.signals == PageSignals(
        url=SITE,
        title="Home",
        social={"facebook": "a", "yelp": "c"},
        copyright_year=2016,
        contact_form=True,
        cms="Wix",
    )


def test_the_signals_are_json_and_say_whether_the_site_uses_https():
    signals = report_with(["info@harbor-landscaping.com"]).as_signals()

    assert json.loads(json.dumps(signals)) == signals
    assert signals["https"] is True
    assert report_with([], final_url="http://harbor-landscaping.com/").as_signals()["https"] is False
