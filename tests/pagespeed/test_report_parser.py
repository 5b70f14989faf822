"""Real PSI v5 and Lighthouse reports parse to the exact values they contain."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from leadq.errors import ParseError
from leadq.pagespeed.report_parser import parse_file, parse_report

PSI_2019 = Path(__file__).parents[1] / "fixtures" / "psi" / "psi-v5-response-2019-html5rocks-desktop.json"
LHR_13 = Path(__file__).parents[1] / "fixtures" / "psi" / "lighthouse-13.5-lhr-local-fast-page-mobile.json"


def test_a_2019_psi_response_gives_its_scores_metrics_and_field_data() -> None:
    record = parse_file(PSI_2019)
    assert record.engine == "psi"
    assert record.strategy == "desktop"
    assert record.url == "http://www.html5rocks.com/en/"
    assert record.final_url == "https://www.html5rocks.com/en/"
    assert record.performance_score == 99
    assert record.categories == {"performance": 99}
    assert record.fcp_ms == 570.0
    assert record.speed_index_ms == 799.0
    assert record.tti_ms == 570.0
    assert record.details["lighthouse_version"] == "4.1.0"


def test_metrics_lighthouse_4_did_not_measure_stay_missing() -> None:
    record = parse_file(PSI_2019)
    assert record.lcp_ms is None
    assert record.cls is None
    assert record.tbt_ms is None


def test_psi_field_data_keeps_crux_percentiles_and_categories() -> None:
    field = parse_file(PSI_2019).field
    assert field == {
        "scope": "url",
        "overall_category": "AVERAGE",
        "metrics": {
            "fcp_ms": {"percentile": 2384, "category": "AVERAGE"},
            "fid_ms": {"percentile": 7, "category": "FAST"},
        },
    }


def test_field_cls_percentile_is_divided_by_100() -> None:
    data = json.loads(PSI_2019.read_text())
    data["loadingExperience"]["metrics"]["CUMULATIVE_LAYOUT_SHIFT_SCORE"] = {
        "percentile": 12,
        "distributions": [],
        "category": "AVERAGE",
    }
    assert parse_report(data).field["metrics"]["cls"] == {"percentile": 0.12, "category": "AVERAGE"}


def test_origin_field_data_is_used_when_the_url_has_none() -> None:
    data = json.loads(PSI_2019.read_text())
    data["loadingExperience"] = {"id": data["id"]}
    field = parse_report(data).field
    assert field["scope"] == "origin"
    assert field["metrics"]["fcp_ms"] == {"percentile": 2561, "category": "SLOW"}


def test_psi_without_any_field_data_gives_null() -> None:
    data = json.loads(PSI_2019.read_text())
    del data["loadingExperience"], data["originLoadingExperience"]
    assert parse_report(data).field is None


def test_failing_audits_with_savings_become_top_opportunities() -> None:
    opportunities = parse_file(PSI_2019).opportunities
    assert [(o.id, o.savings_ms) for o in opportunities] == [("render-blocking-resources", 230.0)]
    assert opportunities[0].title == "Eliminate render-blocking resources"


def test_a_lighthouse_13_report_gives_every_category_and_metric() -> None:
    record = parse_file(LHR_13)
    assert record.engine == "lighthouse"
    assert record.strategy == "mobile"
    assert record.final_url == "http://127.0.0.1:8765/"
    assert record.performance_score == 100
    assert record.categories["accessibility"] == 57
    assert record.categories["best-practices"] == 92
    assert record.categories["seo"] == 82
    assert record.fcp_ms == pytest.approx(627.31245)
    assert record.lcp_ms == pytest.approx(752.6249)
    assert record.tbt_ms == 67.0
    assert record.cls == 0.0
    assert record.speed_index_ms == pytest.approx(627.31245)
    assert record.ttfb_ms == 16.0
    assert record.field is None


def test_lighthouse_13_insights_that_fail_are_listed() -> None:
    ids = [o.id for o in parse_file(LHR_13).opportunities]
    assert ids == ["cache-insight", "viewport-insight"]


def test_psi_wraps_the_same_lighthouse_result_so_both_parse_alike() -> None:
    lhr = json.loads(LHR_13.read_text())
    wrapped = parse_report({"id": lhr["requestedUrl"], "lighthouseResult": copy.deepcopy(lhr)})
    direct = parse_report(lhr)
    assert wrapped.metrics() == direct.metrics()
    assert wrapped.categories == direct.categories
    assert wrapped.engine == "psi"


def test_a_record_round_trips_through_its_json_dict() -> None:
    from leadq.pagespeed.record import AuditRecord

    record = parse_file(PSI_2019)
    assert AuditRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected a JSON object"),
        ('{"kind": "x"}', "no lighthouseResult"),
        ("{not json", "is not JSON"),
    ],
)
def test_files_that_are_not_reports_raise_a_clear_parse_error(tmp_path, content, message) -> None:
    path = tmp_path / "report.json"
    path.write_text(content)
    with pytest.raises(ParseError, match=message):
        parse_file(path)
