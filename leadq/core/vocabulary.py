"""The fixed names leadq's commands accept: queues and job states.

Kept free of imports so the CLI can list and complete them without loading
pydantic, SQLAlchemy or Dramatiq (a Tab press must stay instant).
"""

from __future__ import annotations

QUEUES = ("scrape", "pagespeed", "email", "campaign", "ai", "demo", "maintenance")

#: Every state a job can be in; the last four are final.
STATES = ("enqueued", "running", "retrying", "succeeded", "failed", "dead", "cancelled")
FINAL_STATES = frozenset({"succeeded", "failed", "dead", "cancelled"})

#: Names of the built-in lead sources (``leadq.sources.registry.BUILTIN``, which imports the
#: scrapers and Selenium; a test keeps the two equal).
SOURCES = ("craigslist", "google-maps", "yellowpages")
