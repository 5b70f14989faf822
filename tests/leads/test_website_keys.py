"""Website keys: registrable domains from the Public Suffix List, full profile URLs on shared hosts."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select

from leadq.db import alembic_config, ensure_schema, get_engine, session_scope
from leadq.leads.models import Lead
from leadq.leads.record import LeadRecord
from leadq.leads.store import upsert_lead
from leadq.leads.website_keys import website_key


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.greenleaf.example/", "greenleaf.example"),
        ("https://shop.joes-plumbing.co.uk/contact", "joes-plumbing.co.uk"),
        ("foo.co.uk", "foo.co.uk"),
        ("https://www.facebook.com/JoesPlumbing/", "facebook.com/joesplumbing"),
        ("https://m.facebook.com/joesplumbing?fbclid=abc&utm_source=x", "facebook.com/joesplumbing"),
        ("https://www.facebook.com/profile.php?id=1000123", "facebook.com/profile.php?id=1000123"),
        ("https://linktr.ee/annsbakery", "linktr.ee/annsbakery"),
        ("https://www.yelp.com/biz/joes-plumbing-los-angeles", "yelp.com/biz/joes-plumbing-los-angeles"),
        ("https://sites.google.com/view/joesplumbing", "sites.google.com/view/joesplumbing"),
        ("https://joe.wixsite.com/plumbing", "joe.wixsite.com/plumbing"),
        ("https://joesplumbing.wordpress.com/", "joesplumbing.wordpress.com"),
        ("https://joesplumbing.blogspot.com/2024/", "joesplumbing.blogspot.com"),
    ],
)
def test_a_website_is_keyed_on_its_domain_or_on_its_profile_url_on_a_shared_host(url, key):
    assert website_key(url) == key


@pytest.mark.parametrize(
    "url",
    ["https://www.facebook.com/", "instagram.com", "https://co.uk/", "http://192.0.2.7/", "localhost", ""],
)
def test_a_shared_host_home_page_a_bare_suffix_or_an_address_has_no_key(url):
    assert website_key(url) is None


def test_relatives_under_one_public_suffix_are_different_businesses():
    assert website_key("foo.co.uk") != website_key("bar.co.uk")
    assert website_key("https://joes.blogspot.com") != website_key("https://anns.blogspot.com")
    assert website_key("https://a.wordpress.com") != website_key("https://b.wordpress.com")


def record(external_id: str, website: str, **fields) -> LeadRecord:
    return LeadRecord(
        source="craigslist",
        external_id=external_id,
        title=external_id,
        name=external_id,
        website=website,
        **fields,
    )


def test_two_businesses_whose_website_is_a_facebook_page_are_two_leads(settings):
    with session_scope(settings) as session:
        joes, _ = upsert_lead(record("1", "https://www.facebook.com/joesplumbing"), session=session)
        anns, outcome = upsert_lead(record("2", "https://www.facebook.com/annsbakery/"), session=session)
        assert outcome == "new" and anns.id != joes.id
        again, outcome = upsert_lead(record("3", "https://m.facebook.com/JoesPlumbing/"), session=session)
        assert (again.id, outcome) == (joes.id, "merged")
        assert joes.website_key == "facebook.com/joesplumbing"


def test_subdomains_of_one_site_merge_and_sites_on_a_shared_suffix_do_not(settings):
    with session_scope(settings) as session:
        first, _ = upsert_lead(record("1", "https://www.joes-plumbing.co.uk/"), session=session)
        shop, outcome = upsert_lead(record("2", "https://shop.joes-plumbing.co.uk/"), session=session)
        assert (shop.id, outcome) == (first.id, "merged")
        blog, _ = upsert_lead(record("3", "https://joes.blogspot.com/"), session=session)
        other, outcome = upsert_lead(record("4", "https://anns.blogspot.com/"), session=session)
        assert outcome == "new" and len({first.id, blog.id, other.id}) == 3


def test_the_migration_keys_leads_stored_before_it(settings):
    engine = get_engine(settings)
    command.upgrade(alembic_config(engine), "0002_leads")
    with engine.begin() as connection:
        for website in ("https://www.facebook.com/joesplumbing", "https://shop.greenleaf.example/", None):
            connection.execute(
                text(
                    "INSERT INTO lead (website, emails, signals, email_status, source, created_at,"
                    " updated_at) VALUES (:website, '[]', '{}', 'unknown', 'craigslist', '2026-01-01',"
                    " '2026-01-01')"
                ),
                {"website": website},
            )
    ensure_schema(settings)
    with session_scope(settings) as session:
        keys = [lead.website_key for lead in session.exec(select(Lead).order_by(Lead.id))]
        merged, outcome = upsert_lead(record("9", "https://facebook.com/JoesPlumbing"), session=session)
    assert keys == ["facebook.com/joesplumbing", "greenleaf.example", None]
    assert (merged.id, outcome) == (1, "merged")
