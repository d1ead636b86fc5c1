"""Report files are written by the build: a hostile one is a problem of its group, not a crash."""

from __future__ import annotations

import pytest

from simulator.codebuild._reports import ReportSummary, parse_report_file

HOSTILE = [
    ("COBERTURAXML", b'<coverage line-rate="lots"/>'),
    ("CLOVERXML", b'<coverage><project><metrics statements="x"/></project></coverage>'),
    ("JACOCOXML", b'<report><counter type="LINE" missed="[]" covered="1"/></report>'),
    ("SIMPLECOV", b'{"metrics": {"covered_percent": [1]}}'),
    ("SIMPLECOV", b"[" * 100_000 + b"]" * 100_000),
    ("CUCUMBERJSON", b'[{"elements": 5}]'),
    ("CUCUMBERJSON", b'[{"elements": [{"steps": [1, "x"]}]}]'),
    ("CUCUMBERJSON", b'[{"elements": [{"steps": [{"result": "passed"}]}]}]'),
    ("CUCUMBERJSON", b'[{"elements": ["scenario"]}]'),
    ("CUCUMBERJSON", b"[" * 100_000 + b"]" * 100_000),
    ("JUNITXML", b"<a>" * 100_000 + b"</a>" * 100_000),
    ("JUNITXML", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
    ("JUNITXML", b"\xff\xfe not xml"),
]


@pytest.mark.parametrize(("fmt", "data"), HOSTILE)
def test_hostile_report_file_is_noted_not_raised(fmt, data):
    kind = "TEST" if fmt in ("JUNITXML", "CUCUMBERJSON") else "CODE_COVERAGE"
    summary = ReportSummary("unit", fmt, kind)
    parse_report_file(summary, "reports/r", data)
    summary.finish()
    if summary.problems:
        assert summary.problems[0].startswith("reports/r: ")
        assert "reports/r" not in summary.files
    assert summary.status in ("SUCCEEDED", "FAILED", "INCOMPLETE")


def test_billion_laughs_is_refused():
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    data = f'<!DOCTYPE x [<!ENTITY l0 "ha">{entities}]><x>&l9;</x>'.encode()
    summary = ReportSummary("unit", "JUNITXML", "TEST")
    parse_report_file(summary, "r.xml", data)
    assert summary.problems == ["r.xml: DOCTYPE/ENTITY declarations are not accepted"]


def test_coverage_that_is_not_a_finite_percentage_is_noted():
    summary = ReportSummary("cov", "COBERTURAXML", "CODE_COVERAGE")
    parse_report_file(summary, "c.xml", b'<coverage line-rate="nan"/>')
    assert summary.line_coverage is None
    assert summary.problems
