"""Outreach campaigns: an audience of leads and a sequence of email steps."""
