"""Dramatiq actors, one module per domain (installed as leadq.actors).

Importing this package declares every actor on the broker that
``leadq.core.broker.setup_broker`` installed, so it must run first.
"""

from . import ai, campaign, demo, email, inbox, maintenance, pagespeed, scrape  # noqa: F401
