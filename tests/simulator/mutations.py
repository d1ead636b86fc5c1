"""Break real corpus files in known ways: each mutant names the code and line it must produce."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator import load_document
from simulator._appspec import _ci
from simulator._pipeline_model import find_pipelines


@dataclass(frozen=True)
class Mutant:
    """A broken copy of a real file and the finding it must produce."""

    source: str
    name: str
    text: str
    code: str
    line: int
    cfn_rule: str = ""
    """The cfn-lint rule that should catch it too (pipeline mutants), if any."""


def _replace(text: str, pos: tuple[int, int], old: str, new: str) -> str | None:
    lines = text.split("\n")
    line = lines[pos[0] - 1]
    at = line.find(old, pos[1] - 1)
    if at < 0:
        return None
    lines[pos[0] - 1] = line[:at] + new + line[at + len(old) :]
    return "\n".join(lines)


def _mutant(
    source: str,
    name: str,
    text: str,
    pos: tuple[int, int],
    old: str,
    new: str,
    code: str,
    cfn_rule: str = "",
) -> list[Mutant]:
    changed = _replace(text, pos, old, new)
    return [Mutant(source, name, changed, code, pos[0], cfn_rule)] if changed else []


def buildspec_mutants(source: str, text: str) -> list[Mutant]:
    loaded = load_document(text)
    data, out = loaded.data, []
    raw = loaded.raw.get(("version",), str(data.get("version")))
    out += _mutant(source, "version 0.3", text, loaded.position(("version",)), raw, "0.3", "BS002")
    phases = data.get("phases")
    if isinstance(phases, dict) and phases:
        first = next(iter(phases))
        pos = loaded.position(("phases", first), key=True)
        out += _mutant(source, "misspelt phase", text, pos, first, first + "x", "BS006")
        body = phases[first]
        if isinstance(body, dict) and "commands" in body:
            pos = loaded.position(("phases", first, "commands"), key=True)
            out += _mutant(source, "misspelt commands", text, pos, "commands", "comands", "BS041")
    return out


def appspec_mutants(source: str, text: str) -> list[Mutant]:
    loaded = load_document(text)
    data, out = loaded.data, []
    found = _ci(data, "version")
    if found:
        pos = loaded.position((found[0],))
        out += _mutant(source, "version 1.0", text, pos, "0.0", "1.0", "AS001")
    hooks = _ci(data, "hooks")
    if hooks and isinstance(hooks[1], dict) and hooks[1]:
        first = next(iter(hooks[1]))
        pos = loaded.position((hooks[0], first), key=True)
        out += _mutant(source, "misspelt hook", text, pos, first, first + "x", "AS017")
    elif hooks and isinstance(hooks[1], list) and hooks[1] and isinstance(hooks[1][0], dict):
        first = next(iter(hooks[1][0]))
        pos = loaded.position((hooks[0], 0, first), key=True)
        out += _mutant(source, "misspelt hook", text, pos, first, first + "x", "AS017")
    return out


def pipeline_mutants(source: str, text: str) -> list[Mutant]:
    loaded = load_document(text)
    out: list[Mutant] = []
    for pipe in find_pipelines(loaded.data)[:1]:
        actions = pipe.actions()
        k = pipe.key
        with_input = next(
            (a for a in actions if a.inputs and isinstance(a.inputs[0][0], str)), None
        )
        if with_input:
            name, path = with_input.inputs[0]
            out += _mutant(
                source,
                "input never produced",
                text,
                loaded.position(path),
                name,
                "NoSuchArtifact",
                "PL015",
                "E3701",
            )
        producers = [(n, p) for a in actions for n, p in a.outputs if isinstance(n, str)]
        if len(producers) >= 2:
            (first, _), (second, path) = producers[0], producers[1]
            out += _mutant(
                source,
                "duplicate output",
                text,
                loaded.position(path),
                second,
                first,
                "PL016",
                "E3701",
            )

        def cat(a: Any, k: Any = k) -> tuple[Any, ...]:
            return (*a.path, k("actionTypeId"), k("category"))

        if (
            pipe.stages
            and pipe.stages[0].actions
            and pipe.stages[0].actions[0].category == "Source"
        ):
            act = pipe.stages[0].actions[0]
            out += _mutant(
                source,
                "build action in first stage",
                text,
                loaded.position(cat(act)),
                "Source",
                "Build",
                "PL007",
                "E3700",
            )
        later = next((a for s in pipe.stages[1:] for a in s.actions if a.category == "Build"), None)
        if later:
            out += _mutant(
                source,
                "source action in a later stage",
                text,
                loaded.position(cat(later)),
                "Build",
                "Source",
                "PL008",
                "E3700",
            )
        codebuild = next((a for a in actions if a.provider == "CodeBuild"), None)
        if codebuild:
            pos = loaded.position((*codebuild.path, k("actionTypeId"), k("provider")))
            out += _mutant(
                source, "misspelt provider", text, pos, "CodeBuild", "CodeBiuld", "PL010"
            )
        cfn = next(
            (
                a
                for a in actions
                if isinstance(a.configuration.get("TemplatePath"), str)
                and "::" in a.configuration["TemplatePath"]
            ),
            None,
        )
        if cfn:
            value = cfn.configuration["TemplatePath"]
            pos = loaded.position((*cfn.path, k("configuration"), "TemplatePath"))
            out += _mutant(
                source,
                "TemplatePath from a non-input",
                text,
                pos,
                value.split("::")[0] + "::",
                "NotAnInput::",
                "PL021",
                "E3703",
            )
        with_runorder = next(
            (a for a in actions if isinstance(a.run_order, int) and k("runOrder") in a.raw), None
        )
        if with_runorder:
            pos = loaded.position((*with_runorder.path, k("runOrder")))
            out += _mutant(
                source, "runOrder 0", text, pos, str(with_runorder.run_order), "0", "PL012"
            )
    return out


MAKERS = {"buildspec": buildspec_mutants, "appspec": appspec_mutants, "pipeline": pipeline_mutants}


def mutants_for(path: Path) -> list[Mutant]:
    """All mutants of one corpus file (its kind is its folder name)."""
    text = path.read_bytes().decode("utf-8-sig")
    return MAKERS[path.parent.name](path.name, text)


def is_template(text: str) -> bool:
    """A CloudFormation template (what cfn-lint can check), not get-pipeline JSON."""
    data: Any = load_document(text).data
    return isinstance(data, dict) and isinstance(data.get("Resources"), dict)
