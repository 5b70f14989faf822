"""Demo websites for leads: a small redesigned site per business, screenshots, a package, publishing.

Imported by ``leadq.settings`` (for ``leadq.demo.settings``), so this module imports nothing.
"""
