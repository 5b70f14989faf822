"""Enrichment settings come from LEADQ_ENRICH_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from leadq.settings import Settings


def test_enrichment_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LEADQ_ENRICH_MAX_PAGES", "3")
    monkeypatch.setenv("LEADQ_ENRICH_PHONE_REGION", "DE")

    settings = Settings()

    assert (settings.enrich_max_pages, settings.enrich_phone_region, settings.enrich_max_page_bytes) == (
        3,
        "DE",
        2_000_000,
    )


def test_a_crawl_of_zero_pages_is_rejected(monkeypatch):
    monkeypatch.setenv("LEADQ_ENRICH_MAX_PAGES", "0")

    with pytest.raises(ValidationError, match="enrich_max_pages"):
        Settings()
