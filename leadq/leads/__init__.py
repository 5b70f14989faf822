"""Leads: the businesses leadq found, merged across sources."""
