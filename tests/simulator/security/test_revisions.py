"""CodeDeploy revisions: `files` sources, destinations and hook locations stay in the revision."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simulator._appspec_model import appspec_of
from simulator.codedeploy._revisions import Revision, capture, install_plan
from simulator.codedeploy._runner import SandboxHookRunner


@pytest.fixture
def revision(tmp_path: Path) -> Path:
    rev = tmp_path / "rev"
    (rev / "app").mkdir(parents=True)
    (rev / "app" / "index.html").write_text("hello")
    (rev / "app" / "etc-link").symlink_to("/etc")
    (rev / "passwd-link").symlink_to("/etc/passwd")
    return rev


@pytest.mark.parametrize("source", ["../../../../etc", "/../../etc/passwd", "passwd-link"])
def test_files_source_outside_the_revision_is_an_error(revision, source):
    appspec = appspec_of({"files": [{"source": source, "destination": "/srv"}]})
    plan, problem = install_plan(appspec, revision)
    assert plan == {}
    assert problem and "does not exist in the revision" in problem


def test_symlinks_inside_a_files_source_are_not_followed(revision):
    appspec = appspec_of({"files": [{"source": "app", "destination": "/srv"}]})
    plan, problem = install_plan(appspec, revision)
    assert problem is None
    assert plan.keys() == {"/srv/index.html"}


def test_relative_destination_is_an_error(revision):
    appspec = appspec_of({"files": [{"source": "app", "destination": "srv"}]})
    _plan, problem = install_plan(appspec, revision)
    assert problem and "is not an absolute path" in problem


def test_hook_locations_outside_the_revision_are_not_captured(revision):
    appspec = appspec_of(
        {
            "hooks": {
                "ApplicationStop": [
                    {"location": "../../../../etc/passwd"},
                    {"location": "passwd-link"},
                    {"location": "app/index.html"},
                ]
            }
        },
        "ec2",
    )
    kept = capture("d-1", appspec, revision, {})
    assert kept.scripts == {"app/index.html": "hello"}


def test_stored_scripts_with_climbing_locations_stay_in_their_folder(tmp_path):
    stored = Revision("d-1", appspec_of({}), {"../../escape.sh": "echo x", "ok.sh": "echo ok"})
    folder = stored.materialize()
    try:
        assert sorted(p.name for p in folder.rglob("*")) == ["ok.sh"]
        assert not (folder.parent.parent / "escape.sh").exists()
    finally:
        shutil.rmtree(folder)


@pytest.mark.sandbox
def test_previous_scripts_are_written_only_inside_the_sandbox_tree(tmp_path):
    runner = SandboxHookRunner(max_script_seconds=5)
    shell = runner.open("i-1", None, {"../../../../escape.sh": "#!/bin/sh\n", "stop.sh": "echo"})
    try:
        outcome = shell.run_script("previous", "stop.sh", {}, 5)
        session = shell._session  # the host folder behind it
        assert session is not None
        written = sorted(p.name for p in session.work_dir.rglob("*"))
    finally:
        shell.close()
    assert outcome.status == "Succeeded"
    assert written == ["previous", "stop.sh"]
