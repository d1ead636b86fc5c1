"""Print the code-size figures the closing notes quote: longest functions, largest modules."""

from __future__ import annotations

import argparse
import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The code we ship; tests, benchmarks, migrations and content are measured by nobody's rule.
PACKAGES = ("simulator", "core", "accounts", "courses", "quizzes", "labs", "instructor", "config")


@dataclass(frozen=True)
class Sized:
    """A named piece of code and how many lines it spans."""

    where: str
    lines: int


def python_files(root: Path) -> list[Path]:
    """Every shipped Python file below the packages, migrations left out."""
    found: list[Path] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts and "__pycache__" not in path.parts:
                found.append(path)
    return found


def functions_in(path: Path, root: Path) -> list[Sized]:
    """Each function or method of a file with the number of lines it spans (decorators excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    relative = path.relative_to(root)
    sized: list[Sized] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            span = node.end_lineno - node.lineno + 1
            sized.append(Sized(f"{relative}:{node.lineno} {node.name}", span))
    return sized


def module_size(path: Path, root: Path) -> Sized:
    """A file and its line count."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    return Sized(str(path.relative_to(root)), lines)


def main(argv: list[str] | None = None) -> int:
    """Print the top functions by length and the top modules by size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=5, help="how many of each to print")
    args = parser.parse_args(argv)
    files = python_files(REPO)
    functions = sorted(
        (sized for path in files for sized in functions_in(path, REPO)),
        key=lambda sized: (-sized.lines, sized.where),
    )
    modules = sorted(
        (module_size(path, REPO) for path in files), key=lambda sized: (-sized.lines, sized.where)
    )
    print(f"{len(files)} files, {len(functions)} functions")
    print("longest functions (lines):")
    for sized in functions[: args.top]:
        print(f"  {sized.lines:5d}  {sized.where}")
    print("largest modules (lines):")
    for sized in modules[: args.top]:
        print(f"  {sized.lines:5d}  {sized.where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
