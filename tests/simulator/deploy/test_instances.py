"""Each instance's own disk: `files:` installed, `permissions:` applied, the last install removed.

Sources (AWS docs): CodeDeploy user guide "AppSpec 'files' section" (file_exists_behavior
DISALLOW / OVERWRITE / RETAIN, the deployment's own option overridden by the AppSpec), "AppSpec
'permissions' section" (object, pattern, except, owner, group, mode, type list) and the
CodeDeploy agent's installer (aws/aws-codedeploy-agent: cleanup of the previous install,
permissions only on what the install copied or created).
"""

from __future__ import annotations

from simulator._appspec_model import appspec_of
from simulator.codedeploy import deploy
from simulator.codedeploy._disk import disk_of
from simulator.codedeploy._install import install
from tests.simulator.deploy.conftest import FakeRunner, fail_when, server_world, write_revision


def _deploy(rev, world, options, **kw):
    return deploy(
        (rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner(), **kw)
    )


def _revision(root, files: dict[str, str], appspec_extra: str = "") -> object:
    (root / "app").mkdir(parents=True)
    for name, text in files.items():
        (root / "app" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "app" / name).write_text(text)
    (root / "appspec.yml").write_text(
        "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/web\n"
        + appspec_extra
    )
    return root


def test_files_land_on_each_instance_and_the_last_install_is_removed(tmp_path, options):
    world = server_world(2)
    v1 = _revision(tmp_path / "v1", {"a.txt": "one", "conf/app.ini": "x=1"})
    assert _deploy(v1, world, options).status == "Succeeded"
    for instance in ("i-1", "i-2"):
        disk = disk_of(world, instance)
        assert disk.read("/srv/web/a.txt") == b"one"
        assert disk.read("/srv/web/conf/app.ini") == b"x=1"
    v2 = _revision(tmp_path / "v2", {"b.txt": "two"})
    assert _deploy(v2, world, options).status == "Succeeded"
    disk = disk_of(world, "i-1")
    assert disk.read("/srv/web/b.txt") == b"two"
    assert disk.kind("/srv/web/a.txt") is None  # the agent's cleanup of the last install
    assert disk.kind("/srv/web/conf") is None  # a folder the last install created, now empty


def test_a_file_a_hook_left_behind_conflicts_with_disallow(tmp_path, options):
    world = server_world(1)
    disk = disk_of(world, "i-1")
    disk.write("/srv/web/a.txt", b"made by a script", 0o644)
    rev = _revision(tmp_path / "rev", {"a.txt": "new"})
    result = _deploy(rev, world, options)
    assert result.status == "Failed"
    install_event = next(e for e in result.events if e.event == "Install")
    assert "already exists at this location: /srv/web/a.txt" in install_event.message
    retained = _deploy(rev, world, options, file_exists_behavior="RETAIN")
    assert retained.status == "Succeeded"
    assert disk.read("/srv/web/a.txt") == b"made by a script"
    overwritten = _deploy(
        _revision(tmp_path / "rev2", {"a.txt": "new"}, "file_exists_behavior: OVERWRITE\n"),
        world,
        options,
    )
    assert overwritten.status == "Succeeded"
    assert disk.read("/srv/web/a.txt") == b"new"


def _perm_revision(tmp_path, permissions: str):
    rev = tmp_path / "rev"
    for name in ("a.sh", "b.txt", "keep.sh", "lib/c.sh", "lib/deep/d.sh"):
        (rev / "app" / name).parent.mkdir(parents=True, exist_ok=True)
        (rev / "app" / name).write_text(name)
        (rev / "app" / name).chmod(0o644)
    (rev / "appspec.yml").write_text(
        "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/web\n"
        "permissions:\n" + permissions
    )
    return rev


def _modes(disk, paths):
    return {p: oct(disk.mode(p))[2:] for p in paths}


def test_permissions_pattern_except_and_type(tmp_path, options):
    rev = _perm_revision(
        tmp_path,
        "  - object: /srv/web\n"
        '    pattern: "*.sh"\n'
        '    except: ["keep.sh"]\n'
        '    mode: "0750"\n'
        "    type: [file]\n"
        "  - object: /srv/web\n"
        "    mode: 711\n"
        "    owner: ec2-user\n"
        "    type: [directory]\n",
    )
    world = server_world(1)
    assert _deploy(rev, world, options).status == "Succeeded"
    disk = disk_of(world, "i-1")
    files = ["/srv/web/a.sh", "/srv/web/b.txt", "/srv/web/keep.sh", "/srv/web/lib/c.sh"]
    # A pattern other than "**" only selects entries directly inside the object.
    assert _modes(disk, files) == {
        "/srv/web/a.sh": "750",
        "/srv/web/b.txt": "644",
        "/srv/web/keep.sh": "644",
        "/srv/web/lib/c.sh": "644",
    }
    # type [directory] with "**": every folder the install created below the object.
    assert _modes(disk, ["/srv/web/lib", "/srv/web/lib/deep"]) == {
        "/srv/web/lib": "711",
        "/srv/web/lib/deep": "711",
    }
    assert disk.owners["/srv/web/lib/deep"].owner == "ec2-user"
    assert "/srv/web/a.sh" not in disk.owners


def test_permissions_on_a_file_object_need_the_default_pattern(tmp_path, options):
    rev = _perm_revision(tmp_path, "  - object: /srv/web/a.sh\n    mode: 755\n")
    world = server_world(1)
    assert _deploy(rev, world, options).status == "Succeeded"
    assert disk_of(world, "i-1").mode("/srv/web/a.sh") == 0o755
    bad = _perm_revision(
        tmp_path / "bad", '  - object: /srv/web/a.sh\n    pattern: "*.sh"\n    mode: 755\n'
    )
    result = _deploy(bad, server_world(1), options)
    install_event = next(e for e in result.events if e.event == "Install")
    assert result.status == "Failed"
    assert 'pattern must be "**"' in install_event.message


def test_permissions_leave_retained_files_alone(tmp_path):
    world = server_world(1)
    disk = disk_of(world, "i-1")
    disk.write("/srv/web/a.sh", b"old", 0o600)
    source = tmp_path / "a.sh"
    source.write_text("new")
    done = install(
        disk,
        {"/srv/web/a.sh": source},
        [],
        appspec_of({"permissions": [{"object": "/srv/web", "mode": "0755"}]}).permissions,
        "RETAIN",
    )
    assert done.kept == ["/srv/web/a.sh"] and done.copied == []
    assert disk.mode("/srv/web/a.sh") == 0o600


def test_bad_mode_is_explained(tmp_path):
    # The checker rejects such an AppSpec first; the Install step explains it too.
    source = tmp_path / "a.sh"
    source.write_text("x")
    world = server_world(1)
    disk = disk_of(world, "i-1")
    permissions = appspec_of({"permissions": [{"object": "/srv", "mode": "u+x"}]}).permissions
    done = install(disk, {"/srv/a.sh": source}, [], permissions, "DISALLOW")
    assert "mode 'u+x' must be octal digits like 644" in done.error


def test_rollback_reinstalls_the_good_revisions_files(tmp_path, options):
    world = server_world(1, extra_group="          auto_rollback: [DEPLOYMENT_FAILURE]")
    good = write_revision(tmp_path / "good", "good")
    assert _deploy(good, world, options).status == "Succeeded"
    bad = write_revision(tmp_path / "bad", "bad")
    fail_once = fail_when("i-1", "ValidateService")
    seen: list[str] = []

    def decide(call):
        if call.env["LIFECYCLE_EVENT"] == "ValidateService":
            seen.append(call.env["DEPLOYMENT_ID"])
            return fail_once(call) if len(seen) == 1 else None
        return None

    runner = FakeRunner(decide)
    result = deploy((bad / "appspec.yml").read_text(), bad, world, "prod", options(runner))
    assert result.status == "Failed" and result.rolled_back
    assert result.rollback is not None and result.rollback.status == "Succeeded"
    assert disk_of(world, "i-1").read("/var/www/html/index.html") == b"<h1>good</h1>\n"


def test_symlinked_folder_on_the_instance_is_never_followed(tmp_path, options):
    world = server_world(1)
    disk = disk_of(world, "i-1")
    outside = tmp_path / "outside"
    outside.mkdir()
    disk.mkdirs("/srv")
    (disk.root / "srv" / "web").symlink_to(outside)
    rev = _revision(tmp_path / "rev", {"a.txt": "x"})
    result = _deploy(rev, world, options)
    assert result.status == "Failed"
    assert list(outside.iterdir()) == []
    install_event = next(e for e in result.events if e.event == "Install")
    assert "/srv/web on i-1 is not a directory" in install_event.message


def test_each_world_has_its_own_disks(tmp_path, options):
    import copy

    world = server_world(1)
    rev = _revision(tmp_path / "rev", {"a.txt": "one"})
    assert _deploy(rev, world, options).status == "Succeeded"
    twin = copy.deepcopy(world)  # same state, another world: nothing installed there yet
    assert disk_of(twin, "i-1").kind("/srv/web/a.txt") is None
    assert disk_of(world, "i-1").read("/srv/web/a.txt") == b"one"
