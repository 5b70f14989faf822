"""Email as a leaf toolkit: compose, SMTP, headers, templates, tokens, suppression, unsubscribe.

Who gets which message when (delivery, outreach) is campaign orchestration and
lives in ``leadq.campaign``; nothing here imports a campaign. Named ``mail``
rather than ``email`` so it never shadows the standard library.
"""
