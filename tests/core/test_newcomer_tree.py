"""`make run` leaves the working tree clean: broker state under var/, egg-info ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from config.settings.base import filesystem_broker_options

ROOT = Path(__file__).resolve().parents[2]


def test_broker_exchange_tables_are_written_under_var_not_the_working_directory(
    tmp_path, monkeypatch
):
    from kombu import Connection, Exchange, Queue

    options = filesystem_broker_options(tmp_path / "var")
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)
    cwd = tmp_path / "checkout"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    queue = Queue("q", Exchange("celery.pidbox", type="fanout"))  # what a worker's pidbox uses
    with Connection("filesystem://", transport_options=options) as connection:
        connection.Producer().publish({"ping": 1}, exchange=queue.exchange, declare=[queue])
    assert not (cwd / "control").exists()
    assert (Path(options["control_folder"]) / "celery.pidbox.exchange").exists()
    assert Path(options["control_folder"]).is_relative_to(tmp_path / "var")


@pytest.mark.skipif(
    not shutil.which("git") or not (ROOT / ".git").exists(), reason="not a git checkout"
)
def test_generated_folders_are_untracked_and_ignored():
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)

    assert git("ls-files", "control").stdout == ""
    for path in ("control/celery.pidbox.exchange", "pipeline_academy.egg-info/PKG-INFO", "var/x"):
        assert git("check-ignore", "-q", path).returncode == 0, path
