"""Reports of real local audits, looked at in headless Chromium and read back from the PDF."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest

from leadq.browser import Chromium
from leadq.pagespeed.engines import close_engines
from leadq.report.audit import audit_html
from leadq.report.load import audit_report
from leadq.report.pdf import load_html, print_pdf
from leadq.settings import Settings
from tests.conftest import _missing
from tests.pagespeed.conftest import LocalServer, Reply
from tests.pagespeed.pages import HEAD, HTML, TEXT, install, page

pytestmark = pytest.mark.chromium

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def site() -> Iterator[LocalServer]:
    local = LocalServer()
    install(local)
    head = HEAD.replace("<title>Joe's Plumbing</title>", f"<title>Joe's {EVIL} Plumbing</title>")
    local.route("/evil", Reply(200, page(head=head, body=TEXT + '<img src="/hero.png?delay=0">'), HTML))
    local.thread.start()
    yield local
    local.httpd.shutdown()
    local.httpd.server_close()


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        allow_private_urls=True,
        pagespeed_engine="local",
        pagespeed_concurrency=1,
        agency_name="Acme Web Studio",
        agency_contact="hello@acme.test",
    )


@pytest.fixture(scope="module")
def report(site, settings):
    try:
        yield audit_report(settings, site.url + "/evil", ["mobile", "desktop"])
    finally:
        close_engines()


@pytest.fixture(scope="module")
def browser(settings) -> Iterator[Chromium]:
    chromium = Chromium(settings)
    yield chromium
    chromium.close()


def test_a_report_of_real_local_audits_lays_out_on_a_390px_phone(report, settings, browser) -> None:
    html = audit_html(report, settings.report_template_dir)
    driver = browser.driver
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        load_html(browser, html)
        facts = driver.execute_script(
            """return {
              scroll: document.documentElement.scrollWidth,
              width: window.innerWidth,
              gauges: [...document.querySelectorAll('svg.gauge')].map(g => g.getBoundingClientRect().width),
              shots: [...document.querySelectorAll('img.screenshot')].map(i => i.naturalWidth),
              frames: [...document.querySelectorAll('.filmstrip img')].filter(i => i.naturalWidth > 0).length,
              scripts: document.scripts.length,
              requests: performance.getEntriesByType('resource').length,
              title: document.querySelector('h1').textContent,
            }"""
        )
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert facts["width"] == 390
    assert facts["scroll"] <= 390  # no horizontal scrolling
    # performance, best practices and SEO, mobile and desktop
    assert len(facts["gauges"]) == 6 and all(width > 50 for width in facts["gauges"])
    assert facts["shots"] == [360, 360]  # the local engine's first-screen pictures, decoded
    assert facts["frames"] == 16  # and its film of each load: 8 thumbnails per strategy
    assert facts["scripts"] == 0 and facts["requests"] == 0
    assert facts["title"] == f"Website report: Joe's {EVIL} Plumbing"  # shown as text, never run


def test_the_pdf_has_the_words_a_prospect_reads(report, settings, browser, tmp_path) -> None:
    if not (shutil.which("pdftotext") and shutil.which("pdfinfo")):
        _missing("poppler-utils (pdftotext, pdfinfo)")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(print_pdf(browser, audit_html(report, None)))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert 2 <= pages <= 5  # a page or two per strategy, site checks after
    assert "Acme Web Studio" in text and "hello@acme.test" in text
    assert text.count("leadq's lab test (Lighthouse scoring)") >= 2
    assert "PageSpeed" not in text
    assert "Not scored by this test: Accessibility." in text
    assert "Accessibility is not scored: Lighthouse measures it with axe-core's rules" in text
    assert "Mobile" in text and "Desktop" in text
    assert "Largest Contentful Paint" in text and "good ≤ 2.5 s, poor > 4.0 s" in text
    assert "Set up for phones (mobile viewport)" in text
    assert "Images have no set size" in text
