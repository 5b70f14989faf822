"""Settings of website enrichment (a mixin of ``leadq.settings.Settings``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

#: Where numbers without a country code are read when nothing else says (leadq's first market).
DEFAULT_PHONE_REGION = "US"


class EnrichSettings(BaseModel):
    """How much of a lead's website one enrichment job reads."""

    enrich_max_pages: int = Field(5, ge=1, description="Pages fetched per lead website, contact pages first.")
    enrich_max_page_bytes: int = Field(
        2_000_000, ge=1024, description="Bytes read from one page before it is cut off."
    )
    enrich_phone_region: str = Field(
        DEFAULT_PHONE_REGION,
        description="Country (ISO 3166 alpha-2) phone numbers without a country code are read in.",
    )
