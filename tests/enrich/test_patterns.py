"""The copyright-year pattern behind the extractor."""

from __future__ import annotations

from leadq.enrich.patterns import copyright_year


def test_a_page_without_a_copyright_notice_has_no_year():
    assert copyright_year("Founded 2009, renovated 2021") is None
