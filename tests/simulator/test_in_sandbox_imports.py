"""The code that runs inside the sandbox imports nothing of `simulator` (the host's engine).

The stand-in tools (standins/bin/*, standins/patools/), the Lambda bootstrap (lambdas/_boot/) and
the sandbox's process-1 driver (sandbox/_driver.py) run under `python3 -I -S` in the sandbox,
where the host package is neither mounted nor trusted. import-linter cannot see the bin/ scripts
(no .py suffix) nor _boot/ (no package), so this test reads every import statement of every one
of those files, including imports inside functions and `importlib`/`__import__` calls.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.simulator.corpus import REPO

SIMULATOR = REPO / "simulator"
# Host-side modules that sit beside the in-sandbox code (mounted, but never run inside).
HOST_SIDE = {"standins/__init__.py", "standins/_channel.py", "standins/_sam.py"}


def _python_scripts(folder: Path) -> list[Path]:
    """Files in `folder` that Python runs: *.py and scripts with a python shebang."""
    found = []
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        if path.suffix == ".py" or path.read_bytes()[:64].startswith(b"#!/usr/bin/python"):
            found.append(path)
    return found


def in_sandbox_files() -> list[Path]:
    """Every Python file that runs inside the sandbox."""
    files = _python_scripts(SIMULATOR / "standins" / "bin")
    files += _python_scripts(SIMULATOR / "standins" / "patools")
    files += _python_scripts(SIMULATOR / "lambdas" / "_boot")
    files.append(SIMULATOR / "sandbox" / "_driver.py")
    return files


def imported_names(source: str, filename: str) -> list[tuple[int, str]]:
    """(line, module) of every import in a source: statements at any depth, relative imports
    as "." + module, and literal arguments of importlib.import_module / __import__."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and node.args:
                first = node.args[0]
                # A computed name loads the learner's handler: only a literal can name ours.
                if isinstance(first, ast.Constant):
                    found.append((node.lineno, str(first.value)))
    return found


def simulator_imports(path: Path, root: Path = REPO) -> list[str]:
    """The imports of a file that would reach the host package."""
    bad = []
    for line, module in imported_names(path.read_text(encoding="utf-8"), str(path)):
        host = module.split(".")[0] == "simulator"
        # A relative import is fine only inside patools/, which is mounted as its own package.
        outside = module.startswith(".") and path.parent.name != "patools"
        if host or outside:
            bad.append(f"{path.relative_to(root)}:{line}: {module}")
    return bad


def test_the_file_list_covers_every_kind_of_in_sandbox_code() -> None:
    names = {path.relative_to(SIMULATOR).as_posix() for path in in_sandbox_files()}
    assert {"standins/bin/aws", "standins/bin/sam", "sandbox/_driver.py"} <= names
    assert "lambdas/_boot/bootstrap.py" in names
    assert any(name.startswith("standins/patools/") for name in names)
    assert not names & HOST_SIDE


@pytest.mark.parametrize("path", in_sandbox_files(), ids=lambda p: str(p.relative_to(SIMULATOR)))
def test_in_sandbox_code_imports_nothing_of_the_simulator(path: Path) -> None:
    assert simulator_imports(path) == []


def test_the_reader_catches_each_way_of_importing_the_simulator(tmp_path: Path) -> None:
    # The guard itself must fail on a violation, or the tests above prove nothing.
    sources = {
        "plain.py": "import simulator\n",
        "dotted.py": "def f():\n    from simulator.world import World\n",
        "dynamic.py": "import importlib\nimportlib.import_module('simulator._check')\n",
        "builtin.py": "__import__('simulator')\n",
        "relative.py": "from . import world\n",
    }
    for name, source in sources.items():
        path = tmp_path / name
        path.write_text(source)
        assert imported_names(source, name), name
        assert len(simulator_imports(path, tmp_path)) == 1, name
    clean = tmp_path / "clean.py"
    clean.write_text("import os, json\nfrom urllib.parse import urlencode\n")
    assert simulator_imports(clean, tmp_path) == []
