"""`sam build`: one build folder per function under .aws-sam/build, and the built template.

Like the real command with no network: each function's CodeUri is copied to
`<build-dir>/<LogicalId>/`; a `requirements.txt` (Python) or `package.json` (Node.js) is checked
and its dependencies listed, not downloaded. The built template points every CodeUri at its
build folder, so `sam local invoke` and `sam deploy` use the built code.
"""

from __future__ import annotations

import os
import shutil

from patools import samtemplate
from patools.builders import _REQUIREMENT
from patools.common import fail

SKIP = {".aws-sam", ".git", "__pycache__", "node_modules"}


def _runtime_kind(logical: str, runtime) -> str:
    from patools.sam import NODE_RUNTIMES, OTHER_RUNTIMES, PYTHON_RUNTIMES

    if runtime in PYTHON_RUNTIMES:
        return "python"
    if runtime in NODE_RUNTIMES:
        return "node"
    if runtime in OTHER_RUNTIMES:
        return "other"
    fail(
        f"\nBuild Failed\nError: '{runtime}' runtime is not supported (function {logical}). "
        f"Use one of: {', '.join(PYTHON_RUNTIMES + NODE_RUNTIMES)}"
    )
    return ""


def _requirements(path: str) -> list[str]:
    names = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle.read().splitlines(), start=1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith(("#", "-")):
                continue
            if not _REQUIREMENT.match(line):
                fail(
                    f"\nBuild Failed\nError: PythonPipBuilder:ResolveDependencies - Invalid "
                    f"requirement: '{line}' ({path}, line {number})"
                )
            names.append(line)
    return names


def _copy(src: str, dst: str) -> None:
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=lambda _d, names: [n for n in names if n in SKIP])


def build(opts: dict, positional: list[str]) -> int:
    path = samtemplate.find_template(opts)
    template = samtemplate.load(path)
    base = os.path.dirname(os.path.abspath(path))
    if isinstance(opts.get("base-dir") or opts.get("s"), str):
        base = os.path.abspath(str(opts.get("base-dir") or opts.get("s")))
    out = os.path.abspath(str(opts.get("build-dir") or opts.get("b") or ".aws-sam/build"))
    if out == base or base.startswith(out + os.sep):
        fail("Error: the build directory cannot be the project directory itself", 1)
    functions = samtemplate.functions(template)
    wanted = positional[0] if positional else None
    if wanted and wanted not in functions:
        fail(
            f"Error: Unable to find a function or layer with name '{wanted}' "
            f"(functions in the template: {', '.join(functions) or 'none'})"
        )
    os.makedirs(out, exist_ok=True)
    built = dict(template)
    built["Resources"] = dict(template["Resources"])
    for logical, props in functions.items():
        if wanted and logical != wanted:
            continue
        if props.get("PackageType") == "Image":
            fail(f"\nBuild Failed\nError: {logical}: image functions need Docker (not simulated)")
        if "InlineCode" in props:
            continue  # nothing to build
        code_uri = props.get("CodeUri", ".")
        if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
            continue  # already in S3: SAM builds nothing
        source = os.path.normpath(os.path.join(base, code_uri))
        if not os.path.isdir(source):
            fail(
                f"\nBuild Failed\nError: {logical}: CodeUri '{code_uri}' does not exist "
                f"({source}); it must be a folder relative to the template"
            )
        kind = _runtime_kind(logical, props.get("Runtime"))
        print(
            f"Building codeuri: {source} runtime: {props.get('Runtime')} architecture: "
            f"{(props.get('Architectures') or ['x86_64'])[0]} functions: {logical}"
        )
        target = os.path.join(out, logical)
        if kind == "python":
            requirements = os.path.join(source, "requirements.txt")
            if os.path.isfile(requirements):
                names = _requirements(requirements)
                print(
                    f" Running PythonPipBuilder:ResolveDependencies ({len(names)} noted from "
                    "requirements.txt; the simulated build has no network, so they are not "
                    "downloaded: boto3 is provided)"
                )
            else:
                print(" requirements.txt file not found. Continuing the build without it.")
            print(" Running PythonPipBuilder:CopySource")
        elif kind == "node":
            if not os.path.isfile(os.path.join(source, "package.json")):
                fail(
                    f"\nBuild Failed\nError: NodejsNpmBuilder:NpmPack - {logical}: package.json "
                    f"not found in {source}"
                )
            print(" Running NodejsNpmBuilder:NpmPack\n Running NodejsNpmBuilder:CopySource")
        _copy(source, target)
        resource = dict(template["Resources"][logical])
        resource["Properties"] = {**(resource.get("Properties") or {}), "CodeUri": logical}
        built["Resources"][logical] = resource
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(props, dict):
            continue
        for key in ("DefinitionUri", "ContentUri"):  # other local paths move with the template
            value = props.get(key)
            if isinstance(value, str) and not value.startswith("s3://"):
                moved = dict(resource)
                new = os.path.relpath(os.path.join(base, value), out)
                moved["Properties"] = {**props, key: new}
                built["Resources"][logical] = moved
    with open(os.path.join(out, "template.yaml"), "w", encoding="utf-8") as handle:
        handle.write(samtemplate.dump(built))
    rel = os.path.relpath(out)
    print(
        f"\nBuild Succeeded\n\nBuilt Artifacts  : {rel}\nBuilt Template   : {rel}/template.yaml"
        "\n\nCommands you can use next\n=========================\n[*] Validate SAM template: "
        "sam validate\n[*] Invoke Function: sam local invoke\n[*] Deploy: sam deploy --guided"
    )
    return 0
