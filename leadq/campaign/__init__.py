"""Outreach campaigns: an audience of leads, a sequence of email steps, and their delivery.

An orchestrating domain: it builds each message with ``leadq.mail`` (compose,
templates, tokens), reads leads and PageSpeed audits, and delivers through
the mail toolkit's SMTP transport within the sending windows and limits. Its
public endpoint (``unsubscribe_app``) answers both the mail toolkit's
unsubscribe links and the demo toolkit's view beacon.
"""
