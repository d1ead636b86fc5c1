"""Declarative lab checks: each type reads outcomes (the typed run result, the account snapshots,
the parsed documents) and says what happened, where. Never the log text, never a regex over a
raw file. A check whose precondition did not happen says exactly that.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator import (
    LifecycleEventStatus,
    PipelineStatus,
    RunStatus,
    ScenarioResult,
    ScriptStatus,
    Severity,
    template_value,
)

# Names of the operators that decide whether a shell command's exit status is the segment's.
_MASKING = {"||": "||", ";": ";", "|": "|", "&": "&"}
_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
_REGION = re.compile(
    r"\b(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast|"
    r"northwest|southwest)-\d\b"
)


@dataclass(frozen=True)
class Evidence:
    """What checks may read: files as parsed documents, findings, the typed run result."""

    files: Mapping[str, str]
    documents: Mapping[str, Any]  # file name -> parsed YAML/JSON (None when it did not parse)
    findings: Mapping[str, list[dict[str, Any]]]
    result: ScenarioResult
    secret_values: tuple[str, ...] = ()  # from the world, for leak checks only (never stored)
    log: str = ""  # what the learner saw: read only to make sure no secret leaked into it
    scenario: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """Whether a check passed, and what the learner should be told about it."""

    passed: bool
    detail: str = ""
    not_run: bool = False  # the check's precondition never happened (nothing ran)


@dataclass(frozen=True)
class CheckType:
    name: str
    required: tuple[str, ...]
    judge: Callable[[Evidence, dict[str, Any]], Verdict]
    summary: str
    needs_run: bool

    def validate(self, params: dict[str, Any]) -> str | None:
        missing = [key for key in self.required if key not in params]
        if missing:
            return f"missing parameter(s) {', '.join(missing)} for type '{self.name}'"
        if "tag_pattern" in params:
            try:
                re.compile(str(params["tag_pattern"]))
            except re.error as exc:
                return f"'tag_pattern' is not a valid regular expression: {exc}"
        if self.name == "command_ran":
            for text in _as_list(params["command"]):
                if not _words(text):
                    return f"'command' {text!r} has no words"
        return None


CHECKS: dict[str, CheckType] = {}


def check(name: str, *required: str, needs_run: bool = True) -> Callable:
    """Register a check type; `needs_run` checks report "nothing ran" when nothing ran."""

    def register(func):
        CHECKS[name] = CheckType(name, required, func, (func.__doc__ or "").strip(), needs_run)
        return func

    return register


def judge_one(ctype: CheckType, evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Run one check, first making sure what it reads happened."""
    if ctype.needs_run:
        missing = precondition(evidence.result)
        if missing:
            return Verdict(False, missing, not_run=True)
    return ctype.judge(evidence, params)


def precondition(result: ScenarioResult) -> str:
    """Why a check that needs a run cannot be judged ("" when the scenario ran)."""
    if result.status == RunStatus.BLOCKED:
        return "Nothing ran because the checker found errors in your files."
    if result.status == RunStatus.NOT_STARTED:
        return f"Nothing ran: {sentence(result.message)}"
    if result.status == RunStatus.PAUSED:
        return "The pipeline is still waiting for your approval."
    return ""


# --- wording helpers: plain sentences, plurals, lists --------------------------------------------


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def words(items: Iterable[str], conjunction: str = "and") -> str:
    items = [str(i) for i in items]
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


_PY_LIST = re.compile(r"\[('[^'\]]*'(?:, '[^'\]]*')*)\]")


def sentence(text: str) -> str:
    """A message as a plain sentence: no Markdown backticks, no Python list syntax."""
    text = _PY_LIST.sub(lambda m: words(re.findall(r"'([^']*)'", m.group(1)), "or"), str(text))
    text = text.strip().replace("`", "")
    if not text:
        return ""
    return text if text.endswith((".", "!", "?")) else text + "."


def percent(value: float) -> str:
    return f"{value:g} %"


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one (learners' files hold any shape)."""
    return value if isinstance(value, dict) else {}


# --- files and findings ---------------------------------------------------------------------------


@check("no_error_findings", needs_run=False)
def no_error_findings(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The checker reports no error in the file (or in any file)."""
    wanted = params.get("file")
    errors = [
        f"{name} line {f['line']}: {sentence(f['message'])}"
        for name, findings in evidence.findings.items()
        if wanted in (None, name)
        for f in findings
        if f["severity"] == Severity.ERROR
    ]
    if not errors:
        return Verdict(True)
    more = f" (and {plural(len(errors) - 2, 'more error')})" if len(errors) > 2 else ""
    return Verdict(False, " ".join(errors[:2]) + more)


@check("finding_absent", "code", needs_run=False)
def finding_absent(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A given finding code is not reported."""
    hits = [
        f"{name} line {f['line']}"
        for name, findings in evidence.findings.items()
        if params.get("file") in (None, name)
        for f in findings
        if f["code"] == params["code"]
    ]
    if not hits:
        return Verdict(True)
    return Verdict(False, f"{params['code']} is still reported at {words(hits)}.")


@check("document_has", "file", "path", needs_run=False)
def document_has(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The parsed file holds a key path (dot-separated, e.g. phases.pre_build), whatever its
    format (JSON or YAML, flow or block style, comments)."""
    node = evidence.documents.get(params["file"])
    if node is None:
        return Verdict(False, f"{params['file']} could not be read.")
    for key in str(params["path"]).split("."):
        if not isinstance(node, dict) or key not in node:
            return Verdict(False, f"{params['file']} has no {params['path']}.")
        node = node[key]
    return Verdict(True)


# --- CodeBuild ------------------------------------------------------------------------------------


def _build(evidence: Evidence):
    return evidence.result.build


@check("build_status", "equals")
def build_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The build ended with the given status (SUCCEEDED, FAILED, ...)."""
    build = _build(evidence)
    if build is None:
        return Verdict(False, "No build ran.", not_run=True)
    if build.status == params["equals"]:
        return Verdict(True)
    reason = f" {sentence(build.reason)}" if build.reason else ""
    return Verdict(False, f"The build ended {build.status}.{reason}")


@check("phase_status", "phase", "equals")
def phase_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A phase ended with a status; `ran` and `skipped` test whether it ran at all."""
    build = _build(evidence)
    if build is None:
        return Verdict(False, "No build ran.", not_run=True)
    phase = build.phase(params["phase"])
    status = phase.status if phase else None
    wanted = params["equals"]
    if wanted == "ran":
        ok = status not in (None, "SKIPPED")
    elif wanted == "skipped":
        ok = status in (None, "SKIPPED")
    else:
        ok = status == wanted
    name = params["phase"].upper()
    return Verdict(ok, f"{name} ended {status}." if status else f"{name} never ran.")


def _words(text: str) -> list[str]:
    lexer = shlex.shlex(str(text), posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # an unclosed quote: the shell would refuse it too
        return []


def _segments(text: str) -> list[tuple[list[str], str]]:
    """Simple commands of a command line, each with the operator that follows it."""
    out: list[tuple[list[str], str]] = []
    current: list[str] = []
    for token in _words(text):
        if token in ("&&", "||", ";", "|", "&", ";;"):
            out.append((current, token))
            current = []
        else:
            current.append(token)
    out.append((current, ""))
    return [(argv, op) for argv, op in out if argv]


def _strip_env(argv: list[str]) -> list[str]:
    # `VAR=$(...) cmd` and `sudo`/`env` prefixes do not change which program runs.
    while argv and (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", argv[0]) or argv[0] in ("env",)):
        argv = argv[1:]
    return argv


def command_matches(text: str, wanted: str) -> tuple[bool, str]:
    """Whether `wanted` (words, e.g. "npm test") runs as a simple command of `text`, and an
    operator that hides its exit status ("" when its status is the command line's)."""
    want = _words(wanted)
    segments = _segments(text)
    for index, (argv, _op) in enumerate(segments):
        argv = _strip_env(argv)
        if argv[: len(want)] != want:
            continue
        after = [o for _a, o in segments[index:] if o]
        masking = next((o for o in after if o in _MASKING), "")
        return True, masking
    return False, ""


@check("command_ran", "command")
def command_ran(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A command ran (in a phase, if set) and succeeded, with an exit status nothing hid."""
    phase = str(params.get("phase") or "").upper()
    wanted = [str(c) for c in _as_list(params["command"])]
    label = wanted[0]
    hidden, failed, elsewhere = "", None, ""
    for command in evidence.result.commands:
        for option in wanted:
            ok, masking = command_matches(command.command, option)
            if not ok:
                continue
            if phase and command.phase.upper() != phase:
                elsewhere = command.phase
                continue
            if masking:
                hidden = masking
                continue
            if command.succeeded:
                return Verdict(True)
            failed = command
    where = f" in {phase}" if phase else ""
    if failed is not None:
        code = failed.exit_code
        status = f"exit status {code}" if code is not None else failed.status.lower()
        return Verdict(False, f"{label} ran{where} but failed ({status}).")
    if hidden:
        return Verdict(
            False,
            f"{label} ran{where}, but its exit status was hidden by the "
            f"operator {hidden} after it, so a failure would not stop the build.",
        )
    if elsewhere:
        return Verdict(False, f"{label} ran in {elsewhere}, not in {phase}.")
    return Verdict(False, f"{label} did not run{where}.")


def _json_contains(data: Any, expected: Any) -> bool:
    # Subset match on parsed JSON: every key/value of `expected` appears in `data`; a string
    # "/…/" is a pattern for one structured value (never for a whole file).
    if isinstance(expected, dict):
        return isinstance(data, dict) and all(
            k in data and _json_contains(data[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(data, list) and all(
            any(_json_contains(item, want) for item in data) for want in expected
        )
    if isinstance(expected, str) and len(expected) > 2 and expected[0] == expected[-1] == "/":
        return isinstance(data, str) and re.search(expected[1:-1], data) is not None
    return data == expected


@check("artifact_exists", "path")
def artifact_exists(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A file is in the build artifacts, optionally holding given JSON values."""
    build = _build(evidence)
    if build is None:
        return Verdict(False, "No build ran, so there are no artifacts.", not_run=True)
    found = build.artifact(params["path"])
    if found is None:
        names = [a.path for a in build.artifacts][:5]
        listing = f" The artifact holds {words(names)}." if names else " No artifact was uploaded."
        return Verdict(False, f"{params['path']} is not in the build artifact.{listing}")
    if "json" in params:
        try:
            data = json.loads(found.text or "")
        except ValueError:
            return Verdict(False, f"{params['path']} is in the artifact but is not valid JSON.")
        if not _json_contains(data, params["json"]):
            return Verdict(
                False,
                f"{params['path']} is valid JSON but does not hold the values "
                "the next stage needs.",
            )
    return Verdict(True)


def _by_command(evidence: Evidence, params: dict[str, Any]) -> Verdict | None:
    """With `by_command`, the effect must come with that command succeeding in the build (the
    host's record of what ran, with its real exit status); None when that holds."""
    wanted = params.get("by_command")
    if not wanted:
        return None
    for command in evidence.result.commands:
        ok, masking = command_matches(command.command, str(wanted))
        if ok and not masking and command.succeeded:
            return None
    return Verdict(
        False,
        f"The account shows the change, but no {wanted} command of your build "
        "succeeded: the build did not make it.",
    )


@check("image_pushed", "repository")
def image_pushed(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """After the run, ECR holds an image in the repository that was not there before, with a
    tag matching `tag_pattern` (read from the account snapshots)."""
    result = evidence.result
    repo = params["repository"]
    before = {
        (i.digest, t)
        for i in (result.before.images_in(repo) if result.before else ())
        for t in i.tags
    }
    new = [
        (image.digest, tag)
        for image in (result.after.images_in(repo) if result.after else ())
        for tag in image.tags
        if (image.digest, tag) not in before
    ]
    pattern = str(params.get("tag_pattern", ".+"))
    if any(re.fullmatch(pattern, tag) for _d, tag in new):
        return _by_command(evidence, params) or Verdict(True)
    if not new:
        return Verdict(False, f"No new image reached the {repo} repository in ECR.")
    return Verdict(
        False,
        f"{repo} received {words(sorted({t for _d, t in new}))}, not a tag of the required form.",
    )


@check("secret_not_in_log")
def secret_not_in_log(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """No secret value (listed, or every secret of the account) appears in what the learner saw."""
    values = [str(v) for v in params.get("values") or evidence.secret_values]
    leaked = [v for v in values if v and v in evidence.log]
    return Verdict(not leaked, "A secret value appears in plain text in the log." if leaked else "")


def _buildspec_env(evidence: Evidence, file: str) -> dict[str, Any]:
    data = evidence.documents.get(file)
    env = data.get("env") if isinstance(data, dict) else None
    return env if isinstance(env, dict) else {}


def _secret_values_of_account(evidence: Evidence) -> set[str]:
    values = set(evidence.secret_values)
    before = evidence.result.before
    for secret in before.secrets if before else ():
        for version in secret.versions:
            if version.value and version.value != "****":
                values.add(version.value)
                try:
                    data = json.loads(version.value)
                except ValueError:
                    continue
                if isinstance(data, dict):
                    values.update(str(v) for v in data.values() if isinstance(v, str | int))
    return {v for v in values if len(v) >= 4}


@check("no_plaintext_secret", "file", needs_run=False)
def no_plaintext_secret(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """No plaintext environment value of the buildspec equals a secret's value in the account."""
    variables = _buildspec_env(evidence, params["file"]).get("variables")
    secrets = _secret_values_of_account(evidence) if evidence.result.before else set()
    if not secrets:
        secrets = set(evidence.secret_values)
    leaking = sorted(
        str(name)
        for name, value in (variables or {}).items()
        if isinstance(variables, dict) and str(value) in secrets
    )
    if not leaking:
        return Verdict(True)
    return Verdict(False, f"env.variables holds the value of a secret in {words(leaking)}.")


def _secret_reference(ref: str) -> tuple[str, str]:
    """(secret name or ARN without suffix, JSON key) of a buildspec secrets-manager reference."""
    if ref.startswith("arn:"):
        parts = ref.split(":")
        name = ":".join(parts[:7])
        key = parts[7] if len(parts) > 7 else ""
        name = name.split(":secret:", 1)[-1]
        name = re.sub(r"-[A-Za-z0-9]{6}$", "", name)
        return name, key
    name, _, rest = ref.partition(":")
    return name, rest.split(":", 1)[0]


@check("env_from_secret", "file", "variable", "secret", needs_run=False)
def env_from_secret(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The buildspec maps the variable to the secret (by name or ARN, and JSON key) under
    env.secrets-manager (parsed, so JSON, flow style or comments make no difference)."""
    section = _buildspec_env(evidence, params["file"]).get("secrets-manager")
    ref = section.get(params["variable"]) if isinstance(section, dict) else None
    if not isinstance(ref, str):
        return Verdict(
            False,
            f"{params['variable']} is not read from Secrets Manager under env.secrets-manager.",
        )
    name, key = _secret_reference(ref)
    if name != params["secret"]:
        return Verdict(
            False, f"{params['variable']} reads the secret {name}, not {params['secret']}."
        )
    if params.get("key") and key != params["key"]:
        got = f"the JSON key {key}" if key else "the whole secret string"
        return Verdict(False, f"{params['variable']} reads {got}, not the key {params['key']}.")
    return Verdict(True)


def _parameter_names(call) -> set[str]:
    """The parameters a GetParameter / GetParameters / GetParametersByPath request named."""
    if call.operation == "GetParameter":
        return {_parameter_name(str(call.params.get("Name", "")))}
    if call.operation == "GetParameters":
        names = call.params.get("Names") or []
        return {_parameter_name(str(n)) for n in names} if isinstance(names, list) else set()
    return set()


def _parameter_name(ref: str) -> str:
    if ref.startswith("arn:"):
        return "/" + ref.split(":parameter/", 1)[-1].split(":")[0]
    return ref.split(":")[0]


@check("value_from_parameter", "parameter")
def value_from_parameter(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The build read the parameter from Parameter Store (env.parameter-store or an API call),
    and no plaintext variable holds its value instead."""
    file = params.get("file") or evidence.scenario.get("buildspec") or ""
    env = _buildspec_env(evidence, file)
    name = params["parameter"]
    section = as_dict(env.get("parameter-store"))
    mapped = any(isinstance(v, str) and _parameter_name(v) == name for v in section.values())
    called = any(
        call.service == "ssm" and call.ok and name in _parameter_names(call)
        for call in evidence.result.api_calls
    )
    before = evidence.result.before.parameter(name) if evidence.result.before else None
    variables = as_dict(env.get("variables"))
    copied = before is not None and before.value in {str(v) for v in variables.values()}
    if copied:
        return Verdict(
            False,
            f"env.variables holds the value of {name} as plain text: "
            "read it from Parameter Store instead.",
        )
    if mapped or called:
        return Verdict(True)
    return Verdict(False, f"The build never read {name} from Parameter Store.")


@check("api_called", "service", "operation")
def api_called(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The account service received a successful request (service, operation, parameters)."""
    wanted = params.get("params") or {}
    calls = [
        c
        for c in evidence.result.api_calls
        if c.service == params["service"] and c.operation == params["operation"]
    ]
    if any(c.ok and all(str(c.params.get(k)) == str(v) for k, v in wanted.items()) for c in calls):
        return _by_command(evidence, params) or Verdict(True)
    label = f"{params['service']} {params['operation']}"
    if not calls:
        return Verdict(False, f"No {label} request reached the account.")
    refused = sorted({str(c.error_code or c.status) for c in calls if not c.ok})
    if refused and not any(c.ok for c in calls):
        return Verdict(
            False,
            f"{plural(len(calls), label + ' request')} reached the account, which refused "
            f"{'it' if len(calls) == 1 else 'them'} with {words(refused)}.",
        )
    return Verdict(
        False,
        f"{plural(len(calls), label + ' request')} reached the account, "
        "none with the expected parameters.",
    )


@check("exported_variable", "name")
def exported_variable(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The build exported a variable (optionally with an exact value)."""
    build = _build(evidence)
    value = build.exported_variables.get(params["name"]) if build else None
    if value is None:
        return Verdict(False, f"{params['name']} was not exported.")
    ok = "equals" not in params or str(value) == str(params["equals"])
    return Verdict(ok, "" if ok else f"{params['name']} was exported with another value.")


# --- CodeDeploy -----------------------------------------------------------------------------------


def _deployment(evidence: Evidence):
    return evidence.result.deployment


def _no_deployment() -> Verdict:
    return Verdict(False, "No deployment ran.", not_run=True)


@check("deployment_status", "equals")
def deployment_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The deployment ended with a status (Succeeded, Failed, Stopped)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    if dep.status == params["equals"]:
        return Verdict(True)
    why = f" {sentence(dep.message)}" if dep.message else ""
    return Verdict(False, f"The deployment ended {dep.status}.{why}")


@check("deployment_config", "equals")
def deployment_config(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The deployment used a given deployment configuration."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    ok = dep.config == params["equals"]
    return Verdict(ok, "" if ok else f"The deployment used {dep.config}.")


@check("hooks_order", "events")
def hooks_order(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Lifecycle events ran in this relative order (on `target`, or the first target)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    events = dep.events
    target = params.get("target") or (events[0].target if events else None)
    succeeded = LifecycleEventStatus.SUCCEEDED
    ran = [e.event for e in events if e.target == target and e.status == succeeded]
    position = 0
    for wanted in params["events"]:
        try:
            position = ran.index(wanted, position) + 1
        except ValueError:
            return Verdict(False, f"{wanted} did not succeed on {target} in the expected order.")
    return Verdict(True)


@check("traffic_reached", "percents")
def traffic_reached(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The new version's traffic reached each percentage, in order."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    series = [p.percent_new for p in dep.traffic]
    position = 0
    for wanted in params["percents"]:
        try:
            position = series.index(wanted, position) + 1
        except ValueError:
            seen = words(percent(p) for p in series) if series else "no traffic shift at all"
            return Verdict(
                False,
                f"Traffic never reached {percent(wanted)} in that order "
                f"(the new version had {seen}).",
            )
    return Verdict(True)


@check("rolled_back", "equals")
def rolled_back(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A rollback happened (equals: true) or did not (equals: false)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    ok = dep.rolled_back == bool(params["equals"])
    return Verdict(
        ok, "" if ok else ("It rolled back." if dep.rolled_back else "No rollback happened.")
    )


@check("script_in_event", "script", "event")
def script_in_event(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A hook script ran in lifecycle event `event` only, and exited 0 (recorded by the engine)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    ran = [s for s in dep.scripts if s.script == params["script"]]
    events = sorted({s.event for s in ran})
    if not ran:
        return Verdict(False, f"{params['script']} never ran.")
    if events != [params["event"]]:
        return Verdict(False, f"{params['script']} ran in {words(events)}.")
    failed = [s for s in ran if s.status != ScriptStatus.SUCCEEDED]
    if failed:
        code = failed[0].exit_code
        how = f"exited with status {code}" if code is not None else "timed out"
        return Verdict(False, f"{params['script']} {how} on {failed[0].instance}.")
    return Verdict(True)


@check("files_installed", "path")
def files_installed(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The Install step copied `path` to every instance (what the engine installed)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    targets = sorted({e.target for e in dep.events})
    missing = [t for t in targets if params["path"] not in dep.installed.get(t, ())]
    if not missing:
        return Verdict(True)
    return Verdict(False, f"{params['path']} was not installed on {words(missing)}.")


@check("max_targets_at_once", "max")
def max_targets_at_once(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """At most `max` instances were being deployed to at the same (virtual) time."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    spans: dict[str, list[float]] = {}
    for event in dep.events:
        if event.start is None or event.end is None:
            continue
        span = spans.setdefault(event.target, [event.start, event.end])
        span[0], span[1] = min(span[0], event.start), max(span[1], event.end)
    if not spans:
        return Verdict(False, "No instance was deployed to.")
    # Sweep over start/end points; an end at the same instant as a start frees the slot first.
    points = sorted([(s, 1) for s, _ in spans.values()] + [(e, -1) for _, e in spans.values()])
    busy = peak = 0
    for _, step in points:
        busy += step
        peak = max(peak, busy)
    limit = int(params["max"])
    ok = peak <= limit
    return Verdict(ok, "" if ok else f"{plural(peak, 'instance')} were out of service at once.")


@check("traffic_at_most", "max")
def traffic_at_most(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The new version never received more than `max` percent of production traffic."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    series = [p.percent_new for p in dep.traffic]
    if not series:
        return Verdict(False, "No traffic was shifted.")
    peak = max(series)
    ok = peak <= float(params["max"])
    return Verdict(ok, "" if ok else f"The new version received {percent(peak)} of traffic.")


@check("deployment_alarms", "alarms")
def deployment_alarms(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The deployment watched these CloudWatch alarms (the group CodeDeploy actually used)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    missing = [a for a in params["alarms"] if a not in dep.alarms]
    if not missing:
        return Verdict(True)
    watched = f" It watched {words(dep.alarms)}." if dep.alarms else " It watched no alarm."
    return Verdict(False, f"The deployment did not watch {words(missing)}.{watched}")


@check("hook_invoked", "function", "event")
def hook_invoked(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """CodeDeploy invoked a hook function in a lifecycle event (recorded by the engine)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    calls = [i for i in dep.invocations if i.function == params["function"]]
    if any(i.event == params["event"] for i in calls):
        return Verdict(True)
    if calls:
        return Verdict(
            False, f"{params['function']} ran in {words(sorted({i.event for i in calls}))}."
        )
    return Verdict(False, f"CodeDeploy never invoked {params['function']}.")


# --- CodePipeline ---------------------------------------------------------------------------------


def _pipeline(evidence: Evidence):
    return evidence.result.pipeline


@check("approval_before", "stage")
def approval_before(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The executed pipeline has a manual approval before the stage's first deploy action."""
    pipe = _pipeline(evidence)
    if pipe is None:
        return Verdict(False, "No pipeline ran.", not_run=True)
    for stage in pipe.stages:
        approvals = [a for a in stage.actions if a.category == "Approval"]
        if stage.name == params["stage"]:
            first = min(
                (a.run_order for a in stage.actions if a.category != "Approval"), default=10**6
            )
            ok = any(a.run_order < first for a in approvals)
            return Verdict(ok, "" if ok else f"Nothing asks for approval before {stage.name}.")
        if approvals:
            return Verdict(True)
    return Verdict(False, f"The pipeline has no stage named {params['stage']}.")


@check("execution_status", "equals")
def execution_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The pipeline execution ended with a status (Succeeded, Failed, ...)."""
    pipe = _pipeline(evidence)
    if pipe is None:
        return Verdict(False, "No pipeline ran.", not_run=True)
    if pipe.status == params["equals"]:
        return Verdict(True)
    failed = next(
        (
            f"{a.stage}/{a.name}"
            for s in pipe.stages
            for a in s.actions
            if a.status == PipelineStatus.FAILED
        ),
        "",
    )
    where = f" The first failed action was {failed}." if failed else ""
    return Verdict(False, f"The execution ended {pipe.status}.{where}")


@check("stage_status", "stage", "equals")
def stage_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A stage of the execution ended with a status."""
    pipe = _pipeline(evidence)
    if pipe is None:
        return Verdict(False, "No pipeline ran.", not_run=True)
    stage = pipe.stage(params["stage"])
    if stage is None or stage.status is None:
        return Verdict(False, f"The {params['stage']} stage did not run.")
    if stage.status == params["equals"]:
        return Verdict(True)
    failed = next((a for a in stage.actions if a.status == PipelineStatus.FAILED), None)
    why = f" {failed.name}: {sentence(failed.summary)}" if failed and failed.summary else ""
    return Verdict(False, f"The {stage.name} stage ended {stage.status}.{why}")


@check("stack_deployed", "stack", "account")
def stack_deployed(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """After the run the stack exists, complete, in the given account (and Region)."""
    after = evidence.result.after
    stacks = [s for s in (after.stacks if after else ()) if s.name == params["stack"]]
    if not stacks:
        return Verdict(False, f"The stack {params['stack']} does not exist after the run.")
    here = [
        s
        for s in stacks
        if s.account == str(params["account"])
        and (not params.get("region") or s.region == params["region"])
    ]
    if not here:
        where = words(sorted({f"account {s.account}" for s in stacks}))
        return Verdict(
            False, f"{params['stack']} was created in {where}, not in account {params['account']}."
        )
    if not here[0].status.endswith("_COMPLETE") or "ROLLBACK" in here[0].status:
        return Verdict(False, f"{params['stack']} ended {here[0].status}.")
    return Verdict(True)


@check("artifact_store_key", "file", "account", needs_run=False)
def artifact_store_key(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Every artifact store of the (parsed) pipeline uses a KMS key named by its ARN, in the
    given account."""
    data = evidence.documents.get(params["file"])
    pipeline = data.get("pipeline", data) if isinstance(data, dict) else {}
    stores = []
    if isinstance(pipeline, dict):
        if isinstance(pipeline.get("artifactStore"), dict):
            stores.append(pipeline["artifactStore"])
        if isinstance(pipeline.get("artifactStores"), dict):
            stores.extend(v for v in pipeline["artifactStores"].values() if isinstance(v, dict))
    if not stores:
        return Verdict(False, "The pipeline declares no artifact store.")
    for store in stores:
        key = store.get("encryptionKey") if isinstance(store.get("encryptionKey"), dict) else {}
        ident = str(key.get("id", ""))
        if not ident:
            return Verdict(
                False,
                "An artifact store uses the AWS managed key, which other accounts cannot use.",
            )
        parts = ident.split(":")
        if len(parts) < 6 or parts[2] != "kms" or not parts[5].startswith("key/"):
            return Verdict(
                False,
                "An artifact store names its key by alias or id, not by key "
                "ARN; another account cannot resolve it.",
            )
        if parts[4] != str(params["account"]):
            return Verdict(False, f"The artifact store's key belongs to account {parts[4]}.")
    return Verdict(True)


# --- CloudFormation templates (StackSets) ---------------------------------------------------


def _strings(node: Any, skip: tuple[str, ...] = ("Description", "Metadata")) -> Iterable[str]:
    """Every string value of a parsed template (comments are not values; descriptions skipped)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in skip:
                yield from _strings(value, skip)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, skip)


def _template_body(evidence: Evidence, file: str) -> dict[str, Any]:
    data = evidence.documents.get(file)
    if not isinstance(data, dict):
        return {}
    # Parameters' AllowedPattern and Defaults describe inputs, not what the stack creates.
    return {k: v for k, v in data.items() if k not in ("Parameters", "Description", "Metadata")}


@check("no_literal", "file", "what", needs_run=False)
def no_literal(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """No value of the parsed template hard-codes an account id, a Region or an ARN."""
    if not isinstance(evidence.documents.get(params["file"]), dict):
        return Verdict(False, f"{params['file']} could not be read as a template.")
    body = _template_body(evidence, params["file"])
    what = params["what"]
    hits = []
    for value in _strings(body):
        account, region = _ACCOUNT_ID.search(value), _REGION.search(value)
        if what == "account" and account:
            hits.append(account.group(0))
        elif what == "region" and region:
            hits.append(region.group(0))
        elif what == "arn" and value.startswith("arn:aws"):
            hits.append(value)
    if not hits:
        return Verdict(True)
    label = {"account": "account id", "region": "Region", "arn": "ARN"}[what]
    return Verdict(
        False, f"The template types {plural(len(hits), 'literal ' + label)}, for example {hits[0]}."
    )


@check("names_unique_per", "file", "resource_type", "property", "scope", needs_run=False)
def names_unique_per(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The name property resolves to a different value in every stack instance of the scope
    (account and Region, or Region): evaluated with the pseudo parameters of each placement."""
    data = evidence.documents.get(params["file"])
    if not isinstance(data, dict):
        return Verdict(False, f"{params['file']} could not be read as a template.")
    resources = as_dict(data.get("Resources"))
    named = [
        (k, (r.get("Properties") or {}).get(params["property"]))
        for k, r in resources.items()
        if isinstance(r, dict) and r.get("Type") == params["resource_type"]
    ]
    placements = [
        ("111111111111", "us-east-1"),
        ("222222222222", "us-east-1"),
        ("111111111111", "eu-west-1"),
    ]
    if params["scope"] == "region":
        placements = [placements[0], placements[2]]
    for logical, node in named:
        if node is None:
            continue  # CloudFormation generates a unique name
        values = []
        for account, region in placements:
            value = template_value(data, node, account=account, region=region)
            if value is None:
                return Verdict(
                    False,
                    f"{logical}.{params['property']} uses a function this "
                    "lab cannot evaluate; use !Sub or !Join.",
                )
            values.append(value)
        if len(set(values)) < len(values):
            scope = "account and Region" if params["scope"] != "region" else "Region"
            return Verdict(
                False,
                f"{logical}.{params['property']} resolves to the same name in "
                f"two stack instances; it must differ per {scope}.",
            )
    return Verdict(True)


def _register_more() -> None:
    """Import every module of `labs/check_types/` so that its `@check` types register."""
    import importlib
    import pkgutil

    from labs import check_types

    for info in pkgutil.iter_modules(check_types.__path__):
        importlib.import_module(f"labs.check_types.{info.name}")


_register_more()
