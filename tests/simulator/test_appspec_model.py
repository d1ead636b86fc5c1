"""The checker and the CodeDeploy engine read one AppSpec model and one list of event names."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import simulator._appspec as checker
import simulator._appspec_model as model
import simulator.codedeploy._deploy as engine_deploy
import simulator.codedeploy._ec2 as engine_ec2
import simulator.codedeploy._install as engine_install
import simulator.codedeploy._revisions as engine_revisions
import simulator.codedeploy._server as engine_server
import simulator.codedeploy._traffic as engine_traffic
from simulator import check
from simulator._loading import load_document
from simulator.codedeploy import DeployOptions, deploy
from simulator.codedeploy._disk import disk_of
from simulator.codedeploy._install import install
from simulator.codedeploy._revisions import Revision
from tests.simulator.corpus import documents_of_kind
from tests.simulator.deploy.conftest import FakeRunner, server_world, write_revision

REPO = Path(__file__).resolve().parents[2]
ENGINE = (
    engine_deploy,
    engine_ec2,
    engine_install,
    engine_revisions,
    engine_server,
    engine_traffic,
)


APPSPECS = documents_of_kind("appspec", ["tests/**/appspec*", "content/labs/**/appspec*"])


def test_there_are_appspecs_to_compare() -> None:
    assert len(APPSPECS) >= 80
    assert sum(name.startswith("content/labs/") for name, _t in APPSPECS) >= 10


@pytest.mark.parametrize(("name", "text"), APPSPECS, ids=[n for n, _t in APPSPECS])
def test_every_accepted_appspec_builds_the_model_the_engine_reads(name: str, text: str) -> None:
    report = check(text, "appspec", filename="appspec.yml")
    if report.errors:
        return
    loaded = load_document(text, filename="appspec.yml")
    spec = model.read_appspec(loaded)
    assert spec.platform in model.PLATFORMS, name
    # The engine's model of the same text (it passes the group's platform) is this one.
    platform = {"ec2": "Server", "lambda": "Lambda", "ecs": "ECS"}[spec.platform]
    assert engine_deploy._parse(text, platform) == spec, name
    events = {hook.event for hook in spec.hooks}
    assert events <= set(model.HOOKS[spec.platform]), name
    if spec.platform == "ec2":
        assert spec.os in model.OS_VALUES
        assert all(f.is_mapping and f.source and f.destination for f in spec.files), name
        if spec.os == "linux":  # what the engine installs
            assert all(f.destination.startswith("/") for f in spec.files), name
        for hook in spec.hooks:
            assert all(s.location for s in hook.scripts), name
            assert spec.scripts(hook.event) == hook.scripts, name
    elif "<" not in text:  # templates (<TASK_DEFINITION>) are filled in before a deployment
        target = spec.lambda_target() if spec.platform == "lambda" else spec.ecs_target()
        assert target is not None, name
    # A revision keeps the data and reads the same model back.
    if spec.platform == "ec2":
        kept = Revision("d-1", spec).to_state()
        assert Revision.from_state(kept).appspec == spec, name


def test_checker_platform_is_the_models() -> None:
    for _name, text in APPSPECS:
        loaded = load_document(text)
        if loaded.ok and isinstance(loaded.data, dict):
            assert model.detect_platform(loaded.data) == model.read_appspec(loaded).platform


def test_event_names_have_one_source() -> None:
    assert checker.HOOKS is model.HOOKS and checker.RESERVED is model.RESERVED
    assert engine_traffic.LAMBDA_EVENTS is model.LAMBDA_EVENTS
    assert engine_traffic.ECS_EVENTS is model.ECS_EVENTS
    assert engine_server.EC2_INSTALL_EVENTS is model.EC2_INSTALL_EVENTS
    # Every hook the checker allows is an event the engine runs, on every platform.
    runs = {
        "ec2": (*model.EC2_BLOCK_EVENTS, *model.EC2_INSTALL_EVENTS, *model.EC2_ALLOW_EVENTS),
        "lambda": model.LAMBDA_EVENTS,
        "ecs": model.ECS_EVENTS,
    }
    for platform, hooks in model.HOOKS.items():
        assert set(hooks) <= set(runs[platform]), platform
        assert set(engine_server.in_place_order(True)) == set(runs["ec2"])


def test_no_copied_constants() -> None:
    """Each event list, key list and allowed-values list exists once: in the model."""
    shared = [
        v
        for v in vars(model).values()
        if isinstance(v, tuple) and v and all(isinstance(x, str) for x in v)
    ]
    shared += [v for table in (model.HOOKS, model.RESERVED, model.EVENTS) for v in table.values()]
    for module in (checker, *ENGINE):
        for name, value in vars(module).items():
            if not isinstance(value, tuple | list | frozenset | set) or not value:
                continue
            for constant in shared:
                if value is not constant and set(value) == set(constant):
                    pytest.fail(f"{module.__name__}.{name} copies a constant of the model")


def test_engine_errors_name_the_line_and_column(tmp_path: Path) -> None:
    rev = write_revision(tmp_path / "rev")
    text = (rev / "appspec.yml").read_text().replace("source: site", "source: sight")
    options = DeployOptions(runner=FakeRunner(), rng=random.Random(7))
    result = deploy(text, rev, server_world(1), "prod", options)
    assert result.status == "Failed"
    assert result.message == (
        "AppSpec files section: appspec.yml:4:5: files[0].source 'sight' does not exist in the"
        " revision"
    )


def test_install_errors_name_the_line_and_column(tmp_path: Path) -> None:
    # The checker refuses this mode first (AS012); the Install step still says where it is.
    rev = write_revision(
        tmp_path / "rev", extra="permissions:\n  - object: /var/www/html\n    mode: u+x"
    )
    text = (rev / "appspec.yml").read_text()
    spec = model.read_appspec(load_document(text, filename="appspec.yml"), "ec2")
    (permission,) = spec.permissions
    assert (permission.where, permission.mode, permission.types) == (
        "appspec.yml:7:5",
        "u+x",
        model.PERMISSION_TYPES,
    )
    source = tmp_path / "index.html"
    source.write_text("x")
    world = server_world(1)  # owns the disk's folder
    disk = disk_of(world, "i-1")
    done = install(disk, {"/var/www/html/index.html": source}, [], spec.permissions, "DISALLOW")
    assert done.error.startswith("appspec.yml:7:5: permissions[0]: mode 'u+x' must be octal")


def test_a_model_without_text_has_no_positions() -> None:
    spec = model.appspec_of({"files": [{"source": "a", "destination": "/b"}]}, "ec2")
    assert spec.files == (model.FileMapping(0, "a", "/b", ("files", 0)),)
    assert spec.files[0].where == ""
