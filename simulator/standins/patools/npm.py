"""`npm`: offline ci/install that check package.json and the lock file; scripts run for real."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from patools.common import fail

# jsontext, not json: json imports re (~13 ms of every npm call).
from patools.jsontext import dumps, loads

# Annotations only: mypy reads this block, at run time typing (several milliseconds) is skipped.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

VERSION = "10.8.2"


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = loads(path.read_text())
    except FileNotFoundError:
        fail(
            f"npm ERR! code ENOENT\nnpm ERR! syscall open\nnpm ERR! path {path.resolve()}\n"
            f"npm ERR! errno -2\nnpm ERR! enoent Could not read {what}: Error: ENOENT: no such "
            f"file or directory, open '{path.resolve()}'"
        )
    except ValueError as exc:
        fail(f"npm ERR! code EJSONPARSE\nnpm ERR! JSON.parse Failed to parse {what}: {exc}")
    if not isinstance(data, dict):
        fail(f"npm ERR! code EJSONPARSE\nnpm ERR! {what} must be a JSON object")
    return data


def _declared(package: dict[str, Any]) -> dict[str, str]:
    deps: dict[str, str] = {}
    for key in ("dependencies", "devDependencies", "optionalDependencies"):
        deps.update(package.get(key) or {})
    return deps


def _install(lock: dict[str, Any], package: dict[str, Any], *, production: bool) -> int:
    modules = Path("node_modules")
    modules.mkdir(exist_ok=True)
    packages = {
        k: v
        for k, v in (lock.get("packages") or {}).items()
        if k.startswith("node_modules/") and not (production and v.get("dev"))
    }
    if not packages:  # lockfileVersion 1
        packages = {f"node_modules/{k}": v for k, v in (lock.get("dependencies") or {}).items()}
    for path, info in packages.items():
        target = Path(path)
        target.mkdir(parents=True, exist_ok=True)
        name = path.split("node_modules/")[-1]
        (target / "package.json").write_text(
            dumps({"name": name, "version": info.get("version", "0.0.0")})
        )
    (modules / ".package-lock.json").write_text(
        dumps({"name": package.get("name"), "packages": packages})
    )
    return len(packages)


def ci(args: list[str]) -> int:
    package = _read_json(Path("package.json"), "package.json")
    lock_path = Path("package-lock.json")
    if not lock_path.is_file() and Path("npm-shrinkwrap.json").is_file():
        lock_path = Path("npm-shrinkwrap.json")
    if not lock_path.is_file():
        fail(
            "npm ERR! code EUSAGE\nnpm ERR!\nnpm ERR! The `npm ci` command can only install with "
            "an existing package-lock.json or\nnpm ERR! npm-shrinkwrap.json with lockfileVersion "
            ">= 1. Run an install with npm@5 or\nnpm ERR! later to generate a package-lock.json "
            "file, then try again."
        )
    lock = _read_json(lock_path, lock_path.name)
    root = (lock.get("packages") or {}).get("", {})
    locked = (
        _declared(root)
        if root
        else {k: v.get("version", "") for k, v in (lock.get("dependencies") or {}).items()}
    )
    declared = _declared(package)
    missing = sorted(set(declared) - set(locked))
    changed = sorted(k for k in set(declared) & set(locked) if root and declared[k] != locked[k])
    if missing or changed:
        lines = [f"npm ERR! Missing: {name}@{declared[name]} from lock file" for name in missing]
        lines += [
            f"npm ERR! Invalid: lock file's {k}@{locked[k]} does not satisfy {k}@{declared[k]}"
            for k in changed
        ]
        fail(
            "npm ERR! code EUSAGE\nnpm ERR!\nnpm ERR! `npm ci` can only install packages when "
            "your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please "
            "update your lock file with `npm install` before continuing.\nnpm ERR!\n"
            + "\n".join(lines)
        )
    production = "--production" in args or "--omit=dev" in args
    count = _install(lock, package, production=production)
    print(f"\nadded {count} packages, and audited {count + 1} packages in 1s\n")
    print("found 0 vulnerabilities")
    return 0


def install(args: list[str]) -> int:
    if any(not a.startswith("-") for a in args):
        fail(
            "npm ERR! code ENOTCACHED\nnpm ERR! request to https://registry.npmjs.org failed: "
            "the sandbox is offline, so only the packages already in package-lock.json can be "
            "installed (use `npm ci`)"
        )
    package = _read_json(Path("package.json"), "package.json")
    lock_path = Path("package-lock.json")
    if lock_path.is_file():
        lock = _read_json(lock_path, "package-lock.json")
    else:
        lock = {
            "name": package.get("name"),
            "lockfileVersion": 3,
            "requires": True,
            "packages": {
                "": {
                    "name": package.get("name"),
                    **{k: package[k] for k in ("dependencies", "devDependencies") if k in package},
                },
                **{
                    f"node_modules/{n}": {"version": v.lstrip("^~")}
                    for n, v in _declared(package).items()
                },
            },
        }
        lock_path.write_text(dumps(lock, indent=2) + "\n")
    count = _install(lock, package, production=False)
    print(f"\nadded {count} packages, and audited {count + 1} packages in 1s\n")
    print("found 0 vulnerabilities")
    return 0


def run_script(name: str, extra: list[str]) -> int:
    package = _read_json(Path("package.json"), "package.json")
    scripts = package.get("scripts") or {}
    if name not in scripts:
        fail(
            f'npm ERR! Missing script: "{name}"\nnpm ERR!\nnpm ERR! To see a list of scripts, run:'
            "\nnpm ERR!   npm run"
        )
    command = scripts[name]
    if extra:
        command += " " + " ".join(extra)
    print(f"\n> {package.get('name', '')}@{package.get('version', '')} {name}\n> {command}\n")
    sys.stdout.flush()
    env = dict(os.environ)
    env["PATH"] = f"{Path('node_modules/.bin').resolve()}:{env.get('PATH', '')}"
    env["npm_lifecycle_event"] = name
    pid = os.fork()  # not subprocess: its imports cost more than the script often takes
    if pid == 0:
        try:
            os.execve("/bin/sh", ["sh", "-c", command], env)  # noqa: S606 - the learner's script
        finally:
            os._exit(127)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    code = code if code >= 0 else 128 - code
    if code != 0:
        print(
            f"npm ERR! Lifecycle script `{name}` failed with error:\nnpm ERR! Error: command "
            f"failed\nnpm ERR!   command: sh -c {command}",
            file=sys.stderr,
        )
    return code


def main(argv: list[str]) -> int:
    if not argv:
        print("npm <command>\n\nSimulated: ci, install, run <script>, test, start, --version")
        return 1
    command, rest = argv[0], argv[1:]
    extra: list[str] = []
    if "--" in rest:
        at = rest.index("--")
        rest, extra = rest[:at], rest[at + 1 :]
    if command in ("-v", "--version"):
        print(VERSION)
        return 0
    if command == "ci":
        return ci(rest)
    if command in ("install", "i"):
        return install(rest)
    if command in ("run", "run-script"):
        names = [a for a in rest if not a.startswith("-")]
        if not names:
            scripts = _read_json(Path("package.json"), "package.json").get("scripts") or {}
            for key, value in scripts.items():
                print(f"  {key}\n    {value}")
            return 0
        return run_script(names[0], extra or names[1:])
    if command in ("test", "t", "start"):
        return run_script("test" if command == "t" else command, extra)
    fail(
        f"npm ERR! `{command}` is not available in the simulator (offline): "
        "use ci, install, run, test or start",
        1,
    )
    return 1  # not reached: fail() exits (mypy cannot see it through the in-sandbox import)
