"""Reports a prospect or the agency reads: a website audit (HTML/PDF) and campaign analytics.

Self-contained HTML (inlined styles, SVG charts and images) rendered from
Jinja2 templates, printed to PDF by headless Chromium.
"""
