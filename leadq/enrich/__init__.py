"""Website enrichment: crawl a lead's own site for contact details and site-quality signals.

``extract.extract_signals`` reads one page, ``crawl.crawl_site`` reads a few pages
of a site into a ``report.SiteReport``, and ``report.best_email`` picks the
address to write to. Its settings live in ``leadq.settings.enrich``.
"""
