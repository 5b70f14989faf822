"""Where leads come from: one small module per source behind one interface (``base.Source``).

A source's parser is pure (page text in, ``leads.record.LeadRecord`` out); its
fetching is here too (``fetch.PoliteFetcher``: robots.txt, per-host rate
limit; ``browser.Browser`` for pages built by JavaScript), and ``registry``
names the built-in sources. Nothing is imported here, so a parser loads no
Dramatiq broker, Redis, SQLAlchemy or Selenium.
"""
