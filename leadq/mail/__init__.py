"""Email as a leaf toolkit: compose, SMTP, headers, templates, tokens, suppression, unsubscribe.

Who gets which message when (delivery, outreach) is campaign orchestration and
lives in ``leadq.campaign``, as does the public unsubscribe endpoint (it also
counts demo views); nothing here imports a campaign or a demo. Named ``mail``
rather than ``email`` so it never shadows the standard library.
"""
