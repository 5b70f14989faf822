"""HTML to PDF with headless Chromium's own print engine (CDP ``Page.printToPDF``).

The page is put in with ``Page.setDocumentContent`` rather than loaded from a
file or URL: a report is self-contained, so there is nothing to fetch, and
its Content-Security-Policy would refuse anything that tried.
"""

from __future__ import annotations

import base64

from leadq.browser import Chromium
from leadq.settings import Settings

#: Resolves once every image is decoded and the fonts are ready, so nothing prints half-drawn.
_READY = """
const done = arguments[arguments.length - 1];
Promise.all([document.fonts.ready, ...[...document.images].map(img => img.decode().catch(() => null))])
  .then(() => done(true));
"""


def load_html(browser: Chromium, html: str) -> None:
    """Show ``html`` in the browser's tab as an about:blank document."""
    driver = browser.driver
    driver.get("about:blank")
    frame = driver.execute_cdp_cmd("Page.getFrameTree", {})["frameTree"]["frame"]["id"]
    driver.execute_cdp_cmd("Page.setDocumentContent", {"frameId": frame, "html": html})
    driver.set_script_timeout(30)
    driver.execute_async_script(_READY)


def print_pdf(browser: Chromium, html: str) -> bytes:
    """A4 PDF of ``html`` with its backgrounds (score colours) printed."""
    load_html(browser, html)
    result = browser.driver.execute_cdp_cmd(
        "Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}
    )
    return base64.b64decode(result["data"])


def html_to_pdf(settings: Settings, html: str) -> bytes:
    """Start a Chromium, print, and close it again (a report is a one-off, not a pooled audit)."""
    browser = Chromium(settings)
    try:
        return print_pdf(browser, html)
    finally:
        browser.close()
