"""The `deploy` and `pipeline` subcommands of `python -m simulator` (graders depend on them)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from simulator.codedeploy import DeployInputError, DeployOptions, GroupError, deploy
from simulator.codepipeline import (
    PipelineInputError,
    PipelineOptions,
    resume_pipeline,
    run_pipeline,
)
from simulator.pictures import RenderError, execution_dot, render_svg, traffic_svg
from simulator.sandbox import SandboxUnavailable
from simulator.world import World, WorldError, load_world

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_INPUT_BYTES = 5 * 1024 * 1024


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


class _Usage(Exception):
    """A command-line mistake (exit 2)."""


def _read_text(flag: str, path: str) -> str:
    file = Path(path)
    if not file.is_file():
        raise _Usage(f"{flag} {path}: no such file")
    if file.stat().st_size > MAX_INPUT_BYTES:
        raise _Usage(f"{flag} {path}: larger than 5 MB")
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Usage(f"{flag} {path}: cannot read it ({exc})") from exc


def _write_svg(path: str | None, svg: str) -> int | None:
    if not path:
        return None
    try:
        Path(path).write_text(svg, encoding="utf-8")
    except OSError as exc:
        return _usage(f"--svg {path}: cannot write it ({exc.strerror})")
    return None


# -- deploy -----------------------------------------------------------------------------------
def _run_deploy(args: argparse.Namespace) -> int:
    try:
        text = _read_text("--appspec", args.appspec)
    except _Usage as exc:
        return _usage(str(exc))
    if not Path(args.revision).is_dir():
        return _usage(f"--revision {args.revision}: not a directory")
    try:
        world = load_world(Path(args.world))
    except WorldError as exc:
        return _usage(f"--world: {exc}")
    stream = args.format == "text"
    options = DeployOptions(
        application=args.application,
        base_dir=Path(args.world).resolve().parent,
        on_log=(lambda line: print(line, flush=True)) if stream else None,
    )
    try:
        result = deploy(text, args.revision, world, args.group, options)
    except GroupError as exc:
        return _usage(f"--group {args.group}: {exc}")
    except DeployInputError as exc:
        print(f"error: the deployment could not be created: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except SandboxUnavailable as exc:
        print(f"error: cannot run hook scripts: {exc}", file=sys.stderr)
        return EXIT_FAILED
    problem = _write_svg(args.svg, traffic_svg(result))
    if problem is not None:
        return problem
    if stream:
        print(result.to_text())
    else:
        json.dump(result.to_dict(), sys.stdout, indent=2)
        print()
    return EXIT_OK if result.status == "Succeeded" else EXIT_FAILED


def _add_deploy(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "deploy",
        help="run a CodeDeploy deployment against a world, on a virtual clock",
        description="Deploy a revision to a deployment group of the world. Exit 0 when the "
        "deployment Succeeded, 1 otherwise, 2 for usage errors.",
    )
    parser.add_argument("--appspec", required=True, metavar="FILE")
    parser.add_argument("--revision", required=True, metavar="DIR")
    parser.add_argument("--world", required=True, metavar="FILE")
    parser.add_argument("--group", required=True, metavar="NAME")
    parser.add_argument(
        "--application",
        default=None,
        metavar="NAME",
        help="only needed when two applications have a group of that name",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--svg", default=None, metavar="FILE", help="also write the traffic chart (SVG) here"
    )
    parser.set_defaults(handler=_run_deploy)


# -- pipeline ---------------------------------------------------------------------------------
def _sources(values: list[str] | None) -> dict[str, str] | str:
    sources: dict[str, str] = {}
    for value in values or []:
        name, sep, folder = value.partition("=")
        if not sep or not name or not folder:
            return f"--source {value}: write NAME=DIR (the source action or artifact name)"
        if name in sources:
            return f"--source {name} is given twice"
        sources[name] = folder
    return sources


def _save(path: str, execution: Any, world: World) -> int | None:
    data = {"execution": execution.to_state(), "world": world.to_dict()}
    try:
        Path(path).write_text(json.dumps(data), encoding="utf-8")
    except OSError as exc:
        return _usage(f"--save-state {path}: cannot write it ({exc.strerror})")
    return None


def _run_pipeline(args: argparse.Namespace) -> int:
    approve = {"yes": True, "no": False, None: None}[args.approve]
    stream = args.format == "text"
    options = PipelineOptions(
        approve=approve, on_log=(lambda line: print(line, flush=True)) if stream else None
    )
    try:
        if args.resume:
            execution, world = _resume(args, approve, options)
        else:
            execution, world = _start(args, options)
    except _Usage as exc:
        return _usage(str(exc))
    except PipelineInputError as exc:
        return _usage(f"--pipeline: {exc}")
    except SandboxUnavailable as exc:
        print(f"error: cannot run the pipeline's commands: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.svg:
        try:
            svg = render_svg(execution_dot(execution))
        except RenderError as exc:
            print(f"error: --svg: {exc}", file=sys.stderr)
            return EXIT_FAILED
        problem = _write_svg(args.svg, svg)
        if problem is not None:
            return problem
    if args.save_state:
        problem = _save(args.save_state, execution, world)
        if problem is not None:
            return problem
    if stream:
        print(execution.to_text())
    else:
        json.dump(execution.to_dict(), sys.stdout, indent=2)
        print()
    return EXIT_OK if execution.status == "Succeeded" else EXIT_FAILED


def _start(args: argparse.Namespace, options: PipelineOptions) -> tuple[Any, World]:
    if not args.pipeline or not args.world:
        raise _Usage("--pipeline and --world are required (unless --resume is given)")
    text = _read_text("--pipeline", args.pipeline)
    sources = _sources(args.source)
    if isinstance(sources, str):
        raise _Usage(sources)
    try:
        world = load_world(Path(args.world))
    except WorldError as exc:
        raise _Usage(f"--world: {exc}") from exc
    options.base_dir = Path(args.world).resolve().parent
    from simulator.forms import runs_as_form

    if runs_as_form(args.pipeline, text):
        from simulator._cli import module_siblings
        from simulator.forms import FormError, run_form

        siblings = module_siblings(args.pipeline) if args.pipeline.endswith(".tf") else None
        try:
            return run_form(text, args.pipeline, sources, world, options, siblings=siblings), world
        except FormError as exc:
            raise PipelineInputError(str(exc)) from exc
    return run_pipeline(text, sources, world, options), world


def _resume(
    args: argparse.Namespace, approve: bool | None, options: PipelineOptions
) -> tuple[Any, World]:
    if approve is None:
        raise _Usage("--resume needs --approve yes|no")
    if args.pipeline or args.source or args.world:
        raise _Usage("--resume takes the pipeline, sources and world from the saved file")
    text = _read_text("--resume", args.resume)
    try:
        saved = json.loads(text)
        world = World.from_dict(saved["world"])
        state = saved["execution"]
    except (json.JSONDecodeError, KeyError, TypeError, WorldError) as exc:
        raise _Usage(f"--resume {args.resume}: not a file written by --save-state ({exc})") from exc
    options.approve = None
    return resume_pipeline(state, world, approve=approve, options=options), world


def _add_pipeline(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pipeline",
        help="run a CodePipeline execution against a world",
        description="Run a pipeline (get-pipeline JSON, a CloudFormation template or a Terraform "
        ".tf file with the other .tf files of its folder) with local source directories. Exit 0 "
        "when the execution Succeeded, 1 otherwise (failed, or waiting for an approval), 2 for "
        "usage errors.",
    )
    parser.add_argument("--pipeline", metavar="FILE")
    parser.add_argument(
        "--source",
        action="append",
        metavar="NAME=DIR",
        help="source action (or its output artifact) name and a directory",
    )
    parser.add_argument("--world", metavar="FILE")
    parser.add_argument(
        "--approve",
        choices=("yes", "no"),
        default=None,
        help="decide manual approvals; without it the run pauses there",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--svg", default=None, metavar="FILE", help="also write the execution graph (SVG) here"
    )
    parser.add_argument(
        "--save-state",
        default=None,
        metavar="FILE",
        help="write the execution and world here (to --resume a paused run)",
    )
    parser.add_argument(
        "--resume",
        default=None,
        metavar="FILE",
        help="continue a run saved with --save-state (needs --approve)",
    )
    parser.set_defaults(handler=_run_pipeline)


def add_deploy_commands(subparsers: Any) -> None:
    """Add `deploy` and `pipeline` to the simulator's subcommands."""
    _add_deploy(subparsers)
    _add_pipeline(subparsers)
