"""Run a pipeline: stages in order, runOrder groups in parallel, approvals that pause."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator._pipeline_model import Action, Pipeline, build_pipeline
from simulator.codedeploy import DeployInputError, GroupError
from simulator.codepipeline._actions import PROVIDERS, Context, Outcome, decide
from simulator.codepipeline._artifacts import ArtifactError, ArtifactStore
from simulator.codepipeline._model import PipelineInputError, PipelineOptions, load_pipeline
from simulator.codepipeline._v2 import RuleOutcome, evaluate_conditions
from simulator.codepipeline._variables import UnresolvedVariable, resolve

STATE_VERSION = 1


@dataclass
class PipelineExecution:
    """One execution; all of it lives in `state` (JSON-safe) so it can be saved and resumed."""

    state: dict[str, Any]

    @property
    def status(self) -> str:
        status: str = self.state["status"]
        return status

    @property
    def execution_id(self) -> str:
        execution_id: str = self.state["execution_id"]
        return execution_id

    @property
    def waiting(self) -> dict[str, Any] | None:
        return self.state.get("waiting")

    @property
    def variables(self) -> dict[str, dict[str, str]]:
        namespaces: dict[str, dict[str, str]] = self.state["namespaces"]
        return namespaces

    def action(self, stage: str, name: str) -> dict[str, Any]:
        st = next(s for s in self.state["stages"] if s["name"] == stage)
        return next(a for a in st["actions"] if a["name"] == name)

    def to_state(self) -> dict[str, Any]:
        """A JSON-serialisable copy to save (resume with resume_pipeline)."""
        return copy.deepcopy(self.state)

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON."""
        out: dict[str, Any] = {
            "status": self.status,
            "execution_id": self.execution_id,
            "pipeline": self.state["pipeline"].get("name"),
            "stages": [
                {
                    "name": s["name"],
                    "status": s["status"],
                    "actions": [
                        {k: a[k] for k in ("name", "category", "provider", "status", "summary")}
                        for a in s["actions"]
                    ],
                }
                for s in self.state["stages"]
            ],
            "variables": copy.deepcopy(self.state["namespaces"]),
            "paused": self.waiting is not None,
            "conditions": copy.deepcopy(self.state.get("conditions", [])),
            "rollbacks": [
                {k: v for k, v in r.items() if k != "details"}
                for r in self.state.get("rollbacks", [])
            ],
        }
        if self.waiting is not None:
            out["waiting"] = dict(self.waiting)
        return out

    def to_text(self) -> str:
        name = self.state["pipeline"].get("name")
        lines = [f"Pipeline {name} execution {self.execution_id}: {self.status}"]
        for stage in self.state["stages"]:
            lines.append(f"  Stage {stage['name']}: {stage['status'] or 'not run'}")
            for a in stage["actions"]:
                lines.append(
                    f"    [{a['run_order']}] {a['name']} ({a['category']}/{a['provider']}): "
                    f"{a['status'] or 'not run'}" + (f" - {a['summary']}" if a["summary"] else "")
                )
        if self.waiting:
            w = self.waiting
            lines.append(
                f"  Waiting for approval: {w['stage']}/{w['action']}"
                + (f" ({w['custom_data']})" if w.get("custom_data") else "")
                + " - resume with --approve yes|no"
            )
        return "\n".join(lines)


def _new_state(
    raw: dict[str, Any], model: Pipeline, world: Any, options: PipelineOptions
) -> dict[str, Any]:
    execution_id = str(uuid.UUID(int=options.ids.getrandbits(128), version=4))
    variables = {str(v["name"]): str(v.get("defaultValue", "")) for v in raw.get("variables") or []}
    unknown = set(options.variables) - set(variables)
    if unknown:
        raise PipelineInputError(
            f"pipeline variable(s) {', '.join(sorted(unknown))} are not declared in the pipeline's "
            "`variables` list"
        )
    variables.update({k: str(v) for k, v in options.variables.items()})
    return {
        "version": STATE_VERSION,
        "pipeline": raw,
        "execution_id": execution_id,
        "status": "InProgress",
        "clock": 0.0,
        "stages": [
            {
                "name": str(s.name),
                "status": None,
                "actions": [
                    {
                        "name": str(a.name),
                        "category": a.category,
                        "provider": a.provider,
                        "run_order": a.run_order if isinstance(a.run_order, int) else 1,
                        "status": None,
                        "summary": "",
                        "start": None,
                        "end": None,
                        "detail": {},
                    }
                    for a in s.actions
                ],
            }
            for s in model.stages
        ],
        "artifacts": {},
        "namespaces": {
            "codepipeline": {"PipelineExecutionId": execution_id},
            **({"variables": variables} if variables else {}),
        },
        "waiting": None,
        "sources": {},
    }


def _store(raw: dict[str, Any], world: Any) -> ArtifactStore:
    home = world.region
    if isinstance(raw.get("artifactStores"), dict):
        stores = {str(r): str(s.get("location")) for r, s in raw["artifactStores"].items()}
    else:
        stores = {
            home: str((raw.get("artifactStore") or {}).get("location", "codepipeline-artifacts"))
        }
    return ArtifactStore(world, str(raw.get("name", "pipeline")), stores, home)


def _account_of(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


class _Runner:
    """Advances an execution until it finishes, fails or waits for an approval."""

    def __init__(
        self,
        state: dict[str, Any],
        world: Any,
        options: PipelineOptions,
        sources: Mapping[str, str | Path],
    ) -> None:
        self.state = state
        self.world = world
        self.options = options
        self.sources = {k: Path(v) for k, v in sources.items()}
        self.model = build_pipeline(state["pipeline"], (), False)
        self.store = _store(state["pipeline"], world)
        self.home_account = _account_of(state["pipeline"].get("roleArn")) or world.account_id

    def log(self, prefix: str) -> Any:
        return lambda line: self.options.log(f"[{prefix}] {line}")

    def advance(self) -> None:
        declared = [s for s in self.state["pipeline"].get("stages") or [] if isinstance(s, dict)]
        for index, stage in enumerate(self.model.stages):
            st = self.state["stages"][index]
            raw = declared[index] if index < len(declared) else {}
            if st["status"] in ("Succeeded", "Skipped"):
                continue
            if st["status"] is None:
                gate = self._gate(raw, "beforeEntry", st)
                if gate == "SKIP":
                    st["status"] = "Skipped"
                    continue
                if gate == "FAIL":
                    return self._fail(st)
            st["status"] = "InProgress"
            self.options.log(f"Stage {st['name']}: InProgress")
            result = self._stage(stage.actions, st)
            if result == "Failed":
                result = self._on_failure(raw, stage, st)
            if result != "Succeeded":
                if result == "Failed":
                    self._fail(st)
                return
            gate = self._gate(raw, "onSuccess", st)
            if gate == "FAIL":
                return self._fail(st)
            if gate == "ROLLBACK":
                self._rollback(stage, st, "an onSuccess condition failed")
                return self._fail(st)
            st["status"] = "Succeeded"
            self.options.log(f"Stage {st['name']}: Succeeded")
        self.state["status"] = "Succeeded"

    def _fail(self, st: dict[str, Any]) -> None:
        st["status"] = "Failed"
        self.state["status"] = "Failed"
        self.options.log(f"Stage {st['name']}: Failed; the pipeline stops here")

    def _gate(self, raw: Mapping[str, Any], gate: str, st: dict[str, Any]) -> str | None:
        """Evaluate a stage gate's conditions; the result to apply when a rule failed."""
        check = evaluate_conditions(raw, gate, self.world)
        if check is None:
            return None
        self.state.setdefault("conditions", []).append(
            {
                "stage": st["name"],
                "gate": gate,
                "result": check.result,
                "outcome": str(check.outcome),
                "rules": list(check.rules),
                "reason": check.reason,
            }
        )
        self.options.log(f"Stage {st['name']} {gate} condition: {check.outcome} ({check.reason})")
        return check.result if check.outcome is RuleOutcome.FAILED else None

    def _on_failure(self, raw: Mapping[str, Any], stage: Any, st: dict[str, Any]) -> str:
        """A failed stage: ROLLBACK to the last good revision, RETRY once, or stay failed."""
        on_failure = raw.get("onFailure")
        body = on_failure if isinstance(on_failure, dict) else {}
        result = body.get("result")
        if result == "RETRY" and not st.get("retried"):
            st["retried"] = True
            mode = (body.get("retryConfiguration") or {}).get("retryMode", "FAILED_ACTIONS")
            self.options.log(f"Stage {st['name']}: onFailure RETRY ({mode})")
            for action in st["actions"]:
                if mode == "ALL_ACTIONS" or action["status"] != "Succeeded":
                    action.update(status=None, summary="", start=None, end=None, detail={})
            return self._stage(stage.actions, st)
        if result == "ROLLBACK":
            self._rollback(stage, st, "the stage failed (onFailure ROLLBACK)")
        return "Failed"

    def _rollback(self, stage: Any, st: dict[str, Any], why: str) -> None:
        """Run the stage again with the previous successful execution's artifacts (V2)."""
        previous = self.options.previous
        entry: dict[str, Any] = {"stage": st["name"], "reason": why}
        if not previous or previous.get("status") != "Succeeded":
            entry.update(status="Failed", to_execution=None)
            entry["summary"] = "no earlier successful execution to roll back to"
            self.state.setdefault("rollbacks", []).append(entry)
            self.options.log(f"Stage {st['name']}: rollback impossible ({entry['summary']})")
            return
        saved = self.state["artifacts"], self.state["namespaces"]
        self.state["artifacts"] = dict(previous.get("artifacts") or {})
        self.state["namespaces"] = copy.deepcopy(previous.get("namespaces") or {})
        replay = {
            "name": st["name"],
            "status": "InProgress",
            "actions": [
                {**a, "status": None, "summary": "", "start": None, "end": None, "detail": {}}
                for a in st["actions"]
            ],
        }
        self.options.log(
            f"Stage {st['name']}: rolling back to execution {previous['execution_id']} ({why})"
        )
        try:
            result = self._stage(stage.actions, replay)
        finally:
            self.state["artifacts"], self.state["namespaces"] = saved
        entry.update(
            status="Succeeded" if result == "Succeeded" else "Failed",
            to_execution=previous["execution_id"],
            summary=f"redeployed the revision of execution {previous['execution_id']}",
            actions=[{k: a[k] for k in ("name", "status", "summary")} for a in replay["actions"]],
            details=[a.get("detail") or {} for a in replay["actions"]],
        )
        self.state.setdefault("rollbacks", []).append(entry)
        self.options.log(f"Stage {st['name']}: rollback {entry['status']}")

    def _stage(self, actions: list[Action], st: dict[str, Any]) -> str:
        orders = sorted({a["run_order"] for a in st["actions"]})
        for order in orders:
            group = [
                (m, a)
                for m, a in zip(actions, st["actions"], strict=True)
                if a["run_order"] == order
            ]
            start = self.state["clock"]
            ends = [start]
            for model, action in group:
                if action["status"] is not None:  # already ran (or decided on resume)
                    continue
                outcome = self._action(model, action)
                action["start"], action["end"] = start, start + outcome.seconds
                ends.append(action["end"])
            self.state["clock"] = max(ends)
            waiting = [a for _m, a in group if a["status"] == "InProgress"]
            if waiting:
                action = waiting[0]
                model = next(m for m, a in group if a is action)
                self.state["waiting"] = {
                    "stage": st["name"],
                    "action": action["name"],
                    **action["detail"],
                }
                self.options.log(f"{st['name']}/{action['name']}: waiting for approval")
                return "Waiting"
            if any(a["status"] == "Failed" for _m, a in group):
                return "Failed"
        return "Succeeded"

    def _action(self, model: Action, action: dict[str, Any]) -> Outcome:
        label = f"{self.state['stages'][model.stage_index]['name']}/{model.name}"
        self.options.log(f"{label}: started")
        action["status"] = "InProgress"
        self.options.progress(self.state)
        action["status"] = None
        outcome = self._run(model, label)
        action["status"], action["summary"] = outcome.status, outcome.summary
        action["detail"] = outcome.detail
        if outcome.status == "Succeeded":
            region = model.region if isinstance(model.region, str) else None
            for name, data in outcome.outputs.items():
                self.state["artifacts"][name] = self.store.put(
                    name, data, self.state["execution_id"], region
                )
            if isinstance(model.namespace, str) and model.namespace:
                self.state["namespaces"][model.namespace] = dict(outcome.variables)
        self.options.log(f"{label}: {outcome.status} - {outcome.summary}")
        self.options.progress(self.state)
        return outcome

    def _run(self, model: Action, label: str) -> Outcome:
        handler = PROVIDERS.get((str(model.category), str(model.provider)))
        if handler is None:
            return Outcome(
                "Failed",
                f"{model.category}/{model.provider} actions are not "
                "simulated; supported: " + ", ".join(f"{c}/{p}" for c, p in PROVIDERS),
            )
        refused = self._role_refusal(model)
        if refused:
            return Outcome("Failed", refused)
        try:
            config = resolve(dict(model.configuration), self.state["namespaces"])
            region = model.region if isinstance(model.region, str) else None
            inputs = {}
            for name, _path in model.inputs:
                location = self.state["artifacts"].get(str(name))
                if location is None:
                    return Outcome("Failed", f"input artifact {name} was not produced")
                if region:
                    location = self.store.copy_to(
                        str(name), location, region, self.state["execution_id"]
                    )
                inputs[str(name)] = self.store.get(location)
            ctx = Context(
                self.world,
                model,
                config,
                inputs,
                self.options,
                self.state["execution_id"],
                self.log(label),
                self.sources,
                str(self.state["pipeline"].get("name")),
            )
            # The account's call log names the action the calls come from.
            self.world.origin_context = f"pipeline:{label}"
            self.world.set_origin(self.world.origin_context)
            try:
                return handler(ctx)
            finally:
                self.world.origin_context = ""
                self.world.set_origin("host")
        except UnresolvedVariable as exc:
            return Outcome("Failed", f"Unable to resolve variable {exc}")
        except (ArtifactError, DeployInputError, GroupError, KeyError) as exc:
            return Outcome("Failed", str(exc).strip("'\""))

    def _role_refusal(self, model: Action) -> str | None:
        role = model.role_arn if isinstance(model.role_arn, str) else None
        account = _account_of(role)
        if not role or account is None or account == self.home_account:
            return None
        label = f"{self.state['stages'][model.stage_index]['name']}/{model.name}"
        # The pipeline's role assumes the action's role through the account (STS AssumeRole,
        # in the call log); the account applies the role's trust as AWS does.
        if self.world.assume_role(role, self.home_account, origin=f"pipeline:{label}"):
            self.world.record("sts.assume_role", role=role, from_account=self.home_account)
            return None
        return (
            f"AccessDenied: the pipeline (account {self.home_account}) cannot assume {role}: "
            f"the role does not exist or its trust policy does not name {self.home_account}"
        )


def run_pipeline(
    pipeline: str | bytes | Mapping[str, Any],
    sources: Mapping[str, str | Path],
    world: Any,
    options: PipelineOptions | None = None,
) -> PipelineExecution:
    """Start an execution; it ends Succeeded/Failed or waits at a manual approval."""
    options = options or PipelineOptions()
    model, raw = load_pipeline(pipeline)
    _check_sources(model, sources)
    state = _new_state(raw, model, world, options)
    state["sources"] = {k: str(v) for k, v in sources.items()}
    options.log(f"Pipeline {raw.get('name')}: execution {state['execution_id']} started")
    _Runner(state, world, options, sources).advance()
    return PipelineExecution(state)


def _check_sources(model: Pipeline, sources: Mapping[str, str | Path]) -> None:
    wanted = {}
    for action in model.actions():
        if action.category == "Source":
            names = [str(action.name), *(str(n) for n, _p in action.outputs)]
            wanted[str(action.name)] = names
    for action_name, names in wanted.items():
        if not any(n in sources for n in names):
            raise PipelineInputError(
                f"no source directory for source action {action_name}: pass "
                f"--source {action_name}=DIR (or {names[-1]}=DIR)"
            )
    known = {n for names in wanted.values() for n in names}
    for name, folder in sources.items():
        if name not in known:
            raise PipelineInputError(
                f"--source {name}: no source action or artifact has that "
                f"name (known: {', '.join(sorted(known))})"
            )
        if not Path(folder).is_dir():
            raise PipelineInputError(f"--source {name}={folder}: not a directory")


def _load_state(state: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
        raise PipelineInputError("not a saved execution: save it with execution.to_state()")
    return copy.deepcopy(dict(state))


def resume_pipeline(
    state: Mapping[str, Any], world: Any, *, approve: bool, options: PipelineOptions | None = None
) -> PipelineExecution:
    """Approve or reject the waiting approval of a saved execution and carry on."""
    options = options or PipelineOptions()
    data = _load_state(state)
    waiting = data.get("waiting")
    if not waiting:
        raise PipelineInputError(
            f"execution {data['execution_id']} is {data['status']}, not waiting for an approval"
        )
    execution = PipelineExecution(data)
    action = execution.action(waiting["stage"], waiting["action"])
    outcome = decide(approve, options.approver)
    action["status"], action["summary"] = outcome.status, outcome.summary
    action["end"] = (action["start"] or data["clock"]) + outcome.seconds
    data["clock"] = max(data["clock"], action["end"])
    data["waiting"] = None
    world.record(
        "codepipeline.approval",
        execution_id=data["execution_id"],
        approval_action=waiting["action"],
        approved=approve,
    )
    options.log(f"{waiting['stage']}/{waiting['action']}: {outcome.status} - {outcome.summary}")
    _Runner(data, world, options, data.get("sources", {})).advance()
    return execution


def retry_stage(
    state: Mapping[str, Any],
    world: Any,
    stage: str,
    *,
    mode: str = "FAILED_ACTIONS",
    options: PipelineOptions | None = None,
) -> PipelineExecution:
    """Retry a failed stage of a failed execution (RetryStageExecution), then carry on."""
    if mode not in ("FAILED_ACTIONS", "ALL_ACTIONS"):
        raise PipelineInputError("mode must be FAILED_ACTIONS or ALL_ACTIONS")
    options = options or PipelineOptions()
    data = _load_state(state)
    st = next((s for s in data["stages"] if s["name"] == stage), None)
    if st is None:
        raise PipelineInputError(f"no stage {stage!r} in the pipeline")
    if data["status"] != "Failed" or st["status"] != "Failed":
        raise PipelineInputError(
            f"stage {stage} can be retried only after it failed (it is {st['status'] or 'not run'})"
        )
    for action in st["actions"]:
        if mode == "ALL_ACTIONS" or action["status"] != "Succeeded":
            action.update(status=None, summary="", start=None, end=None, detail={})
    st["status"] = None
    data["status"] = "InProgress"
    options.log(f"Stage {stage}: retry ({mode})")
    _Runner(data, world, options, data.get("sources", {})).advance()
    return PipelineExecution(data)
