"""A build scenario runs on the lab's source tree plus the learner's other edited files."""

from __future__ import annotations

import pytest

from simulator.scenarios._run import Scenario, run_scenario

pytestmark = pytest.mark.sandbox

BUILDSPEC = """version: 0.2
phases:
  build:
    commands:
      - test "$(cat config/app.env)" = "MODE=edited"
      - test "$(cat README.txt)" = "from the tree"
"""


def test_other_editable_files_are_in_the_builds_source() -> None:
    scenario = Scenario(
        kind="build",
        settings={"buildspec": "buildspec.yml"},
        trees={"source": {"README.txt": "from the tree", "config/app.env": "MODE=tree"}},
        world='account: "111122223333"\nregion: eu-west-1\n',
        name="second-file",
    )
    files = {"buildspec.yml": BUILDSPEC, "config/app.env": "MODE=edited"}
    (build,) = run_scenario(scenario, files).result.builds
    assert build.status == "SUCCEEDED"
    assert [c.exit_code for c in build.commands] == [0, 0]
