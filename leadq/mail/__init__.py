"""Outreach email: templates, compliant messages, SMTP delivery, suppression, unsubscribe.

Named ``mail`` rather than ``email`` so it never shadows the standard library.
"""
