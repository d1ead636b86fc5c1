"""The public API is pinned, simulator imports no Django, and random YAML never crashes it."""

from __future__ import annotations

import subprocess
import sys

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator
from tests.simulator.corpus import REPO

# The whole public API, by equality: a name added to or dropped from simulator/__init__.py is a
# deliberate change that edits this list too (apps may use only these names: import-linter).
PUBLIC_API = frozenset(
    {
        "BuildOptions",
        "BuildResult",
        "BuildStatus",
        "CommandRun",
        "ConditionRun",
        "DeployOptions",
        "DeploymentResult",
        "DeploymentRun",
        "DeploymentStatus",
        "Finding",
        "FormError",
        "Invocation",
        "InvocationStatus",
        "KINDS",
        "KindContext",
        "LifecycleEventStatus",
        "Limits",
        "Loaded",
        "Metric",
        "Note",
        "NoteLevel",
        "NotificationRun",
        "PLATFORMS",
        "PipelineExecution",
        "PipelineForm",
        "PipelineOptions",
        "PipelineRun",
        "PipelineStatus",
        "RULES",
        "Report",
        "ResultVersionError",
        "RollbackRun",
        "RuleInfo",
        "RunStatus",
        "SCHEMA_VERSION",
        "Sandbox",
        "SandboxUnavailable",
        "Scenario",
        "ScenarioError",
        "ScenarioResult",
        "ScenarioRun",
        "ScriptStatus",
        "Severity",
        "StackInstanceDetailedStatus",
        "StackInstanceStatus",
        "TemplateSettingsError",
        "TriggerRun",
        "World",
        "WorldError",
        "build",
        "check",
        "check_terraform",
        "deploy",
        "detect_kind",
        "did_you_mean",
        "execution_dot",
        "group_settings",
        "load_document",
        "load_world",
        "pipeline_dot",
        "remove_sandbox_leftovers",
        "render_svg",
        "resume_pipeline",
        "retry_stage",
        "run_form",
        "run_pipeline",
        "run_scenario",
        "sam_transform",
        "scenario_kinds",
        "template_value",
        "traffic_svg",
        "wall_limit",
        "world_secret_values",
    }
)


def test_public_api_is_pinned() -> None:
    assert set(simulator.__all__) == PUBLIC_API
    assert len(simulator.__all__) == len(PUBLIC_API), "a name is listed twice in __all__"
    for name in simulator.__all__:
        assert hasattr(simulator, name), name


def test_did_you_mean_is_the_one_suggestion_helper() -> None:
    assert simulator.did_you_mean("phase", ["phases", "version"]) == "did you mean 'phases'?"
    assert simulator.did_you_mean("VERSION", ["phases", "version"]) == "did you mean 'version'?"
    assert simulator.did_you_mean("zzz", ["phases"]) == ""
    assert simulator.did_you_mean(3, ["phases"]) == ""


def test_rules_catalogue_has_codes_severities_and_lessons() -> None:
    info = simulator.RULES["BS010"]
    assert (info.severity, info.kind) == ("error", "buildspec")
    assert info.doc == "codebuild-buildspec/build-phases-and-failures"
    assert all("/" in r.doc for r in simulator.RULES.values())


def test_every_rule_links_to_an_existing_lesson() -> None:
    for code, info in simulator.RULES.items():
        module, lesson = info.doc.split("/")
        assert (REPO / "content" / "modules" / module / f"{lesson}.md").is_file(), code


def test_simulator_imports_no_django_drf_or_celery() -> None:
    code = (
        "import sys, simulator, simulator._cli\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'celery')]\n"
        "print(bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(
                    [
                        "version",
                        "phases",
                        "build",
                        "commands",
                        "env",
                        "variables",
                        "artifacts",
                        "files",
                        "hooks",
                        "Resources",
                        "os",
                        "stages",
                        "actions",
                        "pipeline",
                        "name",
                        "inputArtifacts",
                        "outputArtifacts",
                        "runOrder",
                        "actionTypeId",
                        "batch",
                    ]
                ),
                st.text(max_size=8),
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents, kind=st.sampled_from(["auto", "buildspec", "appspec", "pipeline"]))
def test_random_documents_never_crash(doc: object, kind: str) -> None:
    report = simulator.check(yaml.safe_dump(doc), kind)
    assert isinstance(report.findings, list)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab:- \n[]{}&*!#'\"|>?,0.9yes\t")), max_size=80))
def test_random_text_never_crashes(text: str) -> None:
    report = simulator.check(text, "auto")
    assert report.kind in ("unknown", "buildspec", "appspec", "pipeline", "template")


def test_apps_import_only_the_public_simulator_api() -> None:
    """Django apps use `from simulator import ...`, never a module behind the public API."""
    offenders = []
    for app in ("core", "accounts", "courses", "quizzes", "labs", "instructor", "config"):
        for path in (REPO / app).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                text = line.strip()
                if text.startswith(("from simulator.", "import simulator.")):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {text}")
    assert offenders == []
