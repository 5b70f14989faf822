"""Leads: the businesses leadq found, merged across sources.

The lowest domain toolkit: sources produce ``record.LeadRecord``, the store
merges them into ``models.Lead``, and enrichment, audits and email read leads;
nothing here imports another domain.
"""
