"""Untrusted YAML: a malformed number is a finding, never an exception out of the loader."""

from __future__ import annotations

import pytest

from simulator import check
from simulator._loading import load_document

BAD_NUMBERS = [
    "a: 0b_",
    "a: 0x_",
    "a: -0b_",
    "a: !!int abc",
    "a: !!float abc",
    "a: !!int",
    "a: !!float ''",
]


@pytest.mark.parametrize("text", BAD_NUMBERS)
def test_malformed_number_is_a_finding(text):
    loaded = load_document(text.encode(), filename="buildspec.yml")
    assert not loaded.ok
    [finding] = [f for f in loaded.findings if f.code == "YM009"]
    assert "is not a valid" in finding.message
    assert finding.line == 1


def test_malformed_number_in_a_buildspec_check_is_reported_not_raised():
    report = check("version: 0.2\nphases:\n  build:\n    commands: [0x_]\n", "buildspec")
    assert any(f.code == "YM009" for f in report.findings)


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5000 + "]" * 5000,
        "".join(" " * i + f"k{i}:\n" for i in range(2000)),
        "a: &x [*x]",
        "!!python/object/apply:os.system ['id']",
        "a: " + "9" * 100_000,
        "{" * 3000 + "}" * 3000,
        'a: "\\ud800"',
    ],
)
def test_hostile_documents_are_findings(text):
    loaded = load_document(text.encode(), filename="x.yml")
    assert not loaded.ok
    assert loaded.findings
