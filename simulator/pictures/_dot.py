"""Graphviz DOT for a pipeline's structure and for the state of one execution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator._pipeline_model import Pipeline, find_pipelines

# Fill colours per action status (the console's palette, roughly).
STATUS_COLOURS = {
    "Succeeded": "#c8e6c9",
    "Failed": "#ffcdd2",
    "InProgress": "#bbdefb",
    "Stopped": "#ffe0b2",
    None: "#eeeeee",
}
STATUS_BORDERS = {
    "Succeeded": "#2e7d32",
    "Failed": "#c62828",
    "InProgress": "#1565c0",
    "Stopped": "#ef6c00",
    None: "#9e9e9e",
}


def _q(text: Any) -> str:
    """A DOT double-quoted string."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _model(pipeline: Pipeline | Mapping[str, Any]) -> Pipeline:
    if isinstance(pipeline, Pipeline):
        return pipeline
    found = find_pipelines(dict(pipeline))
    if not found:
        raise ValueError("not a pipeline declaration (expected `pipeline:` or `stages:`)")
    return found[0]


def pipeline_dot(
    pipeline: Pipeline | Mapping[str, Any],
    statuses: Mapping[tuple[str, str], str | None] | None = None,
    title: str | None = None,
) -> str:
    """DOT: one cluster per stage, one box per action, artifacts on the edges."""
    model = _model(pipeline)
    name = model.get("name") or "pipeline"
    lines = [
        f"digraph {_q(name)} {{",
        "  rankdir=LR; compound=true; newrank=true;",
        # Sizes chosen so the page can keep text at 11 px or more (static/js/site.js).
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12];',
        '  edge [fontname="Helvetica", fontsize=11, color="#607d8b"];',
        f'  label={_q(title or name)}; labelloc=t; fontname="Helvetica"; fontsize=15;',
    ]
    producers: dict[str, str] = {}
    node_ids: dict[tuple[int, int], str] = {}
    for s_index, stage in enumerate(model.stages):
        lines.append(f"  subgraph cluster_{s_index} {{")
        lines.append(f'    label={_q(stage.name)}; style=rounded; color="#90a4ae"; fontsize=13;')
        for a_index, action in enumerate(stage.actions):
            node = f"a{s_index}_{a_index}"
            node_ids[(s_index, a_index)] = node
            status = (statuses or {}).get((str(stage.name), str(action.name)))
            fill = STATUS_COLOURS.get(status, STATUS_COLOURS[None])
            border = STATUS_BORDERS.get(status, STATUS_BORDERS[None])
            label = (
                f"{action.name}\n{action.category}/{action.provider}\nrunOrder {action.run_order}"
            )
            if statuses is not None:
                label += f"\n{status or 'not run'}"
            lines.append(
                f"    {node} [label={_q(label)}, fillcolor={_q(fill)}, color={_q(border)}];"
            )
            for artifact, _path in action.outputs:
                producers[str(artifact)] = node
        lines.append("  }")
    edges = 0
    for s_index, stage in enumerate(model.stages):
        for a_index, action in enumerate(stage.actions):
            for artifact, _path in action.inputs:
                source = producers.get(str(artifact))
                if source:
                    target = node_ids[(s_index, a_index)]
                    lines.append(f"  {source} -> {target} [label={_q(artifact)}];")
                    edges += 1
    # Keep stages left to right even where no artifact links them.
    for s_index in range(len(model.stages) - 1):
        if model.stages[s_index].actions and model.stages[s_index + 1].actions:
            lines.append(f"  a{s_index}_0 -> a{s_index + 1}_0 [style=invis, weight=10];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def execution_dot(execution: Any) -> str:
    """DOT of an execution: the pipeline's structure coloured by each action's status."""
    state = execution.state if hasattr(execution, "state") else execution
    statuses = {
        (stage["name"], action["name"]): action["status"]
        for stage in state["stages"]
        for action in stage["actions"]
    }
    name = state["pipeline"].get("name")
    title = f"{name} - execution {state['execution_id'][:8]}: {state['status']}"
    return pipeline_dot(state["pipeline"], statuses, title)
