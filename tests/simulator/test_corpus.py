"""Every real file in the shared corpus gets no error, except the recorded, reasoned ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from simulator import check
from tests.simulator.corpus import corpus_dir, corpus_files

EXCEPTIONS = yaml.safe_load((Path(__file__).parent / "data" / "corpus_exceptions.yaml").read_text())
FILES = corpus_files()

# CI always has shared/ beside the checkout: there a missing corpus is a failure, not a skip.
IN_CI = os.environ.get("CI") == "true"
pytestmark = pytest.mark.skipif(
    not FILES and not IN_CI,
    reason=f"the shared corpus is not at {corpus_dir()} (set PA_SHARED_DIR)",
)


def test_corpus_is_present() -> None:
    assert len(FILES) >= 200, f"expected the real corpus at {corpus_dir()}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_file_has_no_unexpected_error(path: Path) -> None:
    report = check(path.read_bytes(), filename=path.name)
    assert report.kind == path.parent.name
    key = f"{path.parent.name}/{path.name}"
    expected = set(EXCEPTIONS.get(key, {}).get("codes", []))
    got = {f.code for f in report.errors}
    assert got == expected, [f.to_text() for f in report.errors]


def test_exceptions_name_real_files_and_give_reasons() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in FILES}
    for key, entry in EXCEPTIONS.items():
        assert key in names
        assert entry["codes"]
        assert len(entry["reason"]) > 20
