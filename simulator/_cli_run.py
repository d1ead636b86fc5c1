"""The run subcommands of `python -m simulator`: build (deploy and pipeline plug in alike)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from simulator._cli_deploy import add_deploy_commands
from simulator.codebuild import BuildOptions, build
from simulator.sandbox import SandboxUnavailable
from simulator.world import World, WorldError, empty_world, load_world

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 36 * 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 129600 (36 hours)")
    return value


def read_world(path: str | None) -> World:
    """The --world fixture, or an empty account; WorldError for a bad file."""
    return load_world(Path(path)) if path else empty_world()


def _run_build(args: argparse.Namespace) -> int:
    spec_path = Path(args.buildspec)
    source = Path(args.source)
    if not spec_path.is_file():
        return _usage(f"--buildspec {args.buildspec}: no such file")
    if not source.is_dir():
        return _usage(f"--source {args.source}: not a directory")
    out_dir = Path(args.artifacts_out) if args.artifacts_out else None
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        return _usage(f"--artifacts-out {args.artifacts_out}: exists and is not a directory")
    try:
        text = spec_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _usage(f"--buildspec {args.buildspec}: cannot read it ({exc})")
    try:
        world = read_world(args.world)
    except WorldError as exc:
        return _usage(f"--world: {exc}")
    stream = args.format == "text"
    options = BuildOptions(
        time_limit=args.time_limit,
        buildspec_name=spec_path.name,
        on_line=(lambda line: print(line, flush=True)) if stream else None,
    )
    try:
        result = build(text, source, world, options)
    except SandboxUnavailable as exc:
        print(f"error: cannot run the build: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for artifact in result.artifacts:
            stem = artifact.identifier or artifact.name
            (out_dir / f"{Path(stem).name}.zip").write_bytes(artifact.data)
    if stream:
        print(f"Build {result.status}" + (f": {result.reason}" if result.reason else ""))
    else:
        json.dump(result.to_dict(), sys.stdout, indent=2)
        print()
    return EXIT_OK if result.status == "SUCCEEDED" else EXIT_FAILED


def _add_build(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "build",
        help="run a buildspec in the sandbox, like CodeBuild",
        description="Run a buildspec against a source directory in the sandbox. Exit 0 when the "
        "build SUCCEEDED, 1 otherwise, 2 for usage errors.",
    )
    parser.add_argument("--buildspec", required=True, metavar="FILE")
    parser.add_argument("--source", required=True, metavar="DIR")
    parser.add_argument(
        "--world",
        metavar="FILE",
        default=None,
        help="world fixture (YAML); default: an empty account",
    )
    parser.add_argument(
        "--time-limit",
        type=_positive_seconds,
        default=600.0,
        metavar="SECONDS",
        help="real wall-clock limit of the sandboxed run (default 600)",
    )
    parser.add_argument(
        "--artifacts-out", metavar="DIR", default=None, help="also write the artifact zip(s) here"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=_run_build)


# Each run subcommand registers itself here; deploy and pipeline add their own entries.
RUN_COMMANDS = [_add_build, add_deploy_commands]


def add_run_commands(subparsers: Any) -> None:
    """Called by simulator/_cli.py with its subparsers: add build (and later deploy, pipeline)."""
    for add in RUN_COMMANDS:
        add(subparsers)
