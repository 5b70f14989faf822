"""Scrape runs: the orchestrating domain that drives sources page by page into leads.

A run's request, pipeline (listings to lead records to the store, then
enrichment and audits) and progress live here; the parsers and their polite
fetching are ``leadq.sources``' own.
"""
