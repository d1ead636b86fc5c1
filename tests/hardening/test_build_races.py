"""A build whose own background job deletes files while the artifacts are zipped ends cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.codebuild import BuildOptions, build
from simulator.sandbox import MIB, Limits
from simulator.world import load_world

pytestmark = pytest.mark.sandbox

# The background job keeps deleting and re-creating the artifact files after the build phase,
# so the host zips a tree that changes under it (the issue saw FileNotFoundError 1 run in 5).
CHURN_BUILDSPEC = """version: 0.2
phases:
  build:
    commands:
      - for i in $(seq 400); do echo x > f$i.txt; done
      - (while true; do for i in $(seq 400); do rm -f f$i.txt; echo x > f$i.txt; done; done) >/dev/null 2>&1 &
artifacts:
  files:
    - 'f*.txt'
"""


def test_files_deleted_while_zipping_end_as_a_clean_build_result(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "README").write_text("churn\n")
    limits = Limits(output_bytes=4 * MIB, processes=64, tmp_bytes=16 * MIB)
    outcomes = []
    for _ in range(3):
        world = load_world('account: "111122223333"\nregion: eu-west-1\n')
        # Never an exception out of build(): a vanished file is the build's CLIENT_ERROR.
        result = build(CHURN_BUILDSPEC, source, world, BuildOptions(limits=limits, time_limit=30))
        if result.status == "SUCCEEDED":
            outcomes.append("ok")
            continue
        assert result.status == "FAILED", (result.status, result.reason)
        upload = next(p for p in result.phases if p.name == "UPLOAD_ARTIFACTS")
        assert upload.status == "FAILED" and upload.context.startswith("CLIENT_ERROR: artifact")
        assert "while the artifacts" in result.reason, result.reason
        outcomes.append("changed")
    assert len(outcomes) == 3  # which of the two each build gave depends on timing
