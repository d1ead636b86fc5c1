"""The check registry: which types register, from where, each name once."""

from __future__ import annotations

import ast
from pathlib import Path

import labs
from labs.checks import CHECKS

# Every check type a lab may name; a lab file naming one that is missing fails to load, so a
# type dropped when modules move must show up here first.
REGISTERED = [
    "annotation_recorded",
    "api_called",
    "api_calls_per_invocation",
    "api_request",
    "api_status",
    "approval_before",
    "approval_notified",
    "artifact_exists",
    "artifact_store_key",
    "artifact_value_by_label",
    "build_status",
    "command_ran",
    "deployed_env_is_resource",
    "deployment_alarms",
    "deployment_config",
    "deployment_status",
    "document_has",
    "env_from_secret",
    "execution_status",
    "execution_variable",
    "exported_variable",
    "files_installed",
    "finding_absent",
    "hook_invoked",
    "hooks_order",
    "image_pushed",
    "invocation_response",
    "invocation_status",
    "invocations_at_most",
    "local_test_wrote",
    "max_targets_at_once",
    "metric_emitted",
    "names_unique_per",
    "no_error_findings",
    "no_literal",
    "no_plaintext_secret",
    "observed_items",
    "parameter_label",
    "parameter_read_by_label",
    "parameter_versions",
    "phase_status",
    "replay_all_ok",
    "rolled_back",
    "rotation_app_login",
    "rotation_outcome",
    "s3_object_contains",
    "sam_deployment_preference",
    "sam_env_ref",
    "sam_stack_deployed",
    "script_in_event",
    "secret_not_in_log",
    "sqs_mapping_accepted",
    "sqs_messages",
    "sqs_no_visibility_expiry",
    "sqs_partial_batch",
    "stack_deployed",
    "stack_instances_at_least",
    "stack_instances_succeeded",
    "stage_rolled_back",
    "stage_served_by",
    "stage_status",
    "stage_writes_only",
    "subsegment_recorded",
    "table_item",
    "template_declares",
    "traffic_at_most",
    "traffic_reached",
    "trigger_started",
    "value_from_parameter",
]

LABS = Path(labs.__file__).parent


def _decorated_names() -> list[str]:
    """The name of every `@check("name", ...)` written in the check modules, as often as written."""
    names = []
    for path in [LABS / "checks.py", *sorted((LABS / "check_types").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef):
                for deco in node.decorator_list:
                    if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "check":
                        names.append(deco.args[0].value)  # type: ignore[attr-defined]
    return names


def test_every_check_type_registers() -> None:
    assert sorted(CHECKS) == sorted(REGISTERED)


def test_each_name_is_registered_once() -> None:
    # A second `@check` of the same name would silently replace the first type.
    names = _decorated_names()
    assert sorted(names) == sorted(set(names)) == sorted(CHECKS)


def test_types_live_in_their_area_modules() -> None:
    outside = [
        c.name for c in CHECKS.values() if not c.judge.__module__.startswith("labs.check_types.")
    ]
    assert outside == []


def test_the_first_areas_register_first() -> None:
    # The types that once lived in labs/checks.py still open the registry.
    assert list(CHECKS)[:3] == ["no_error_findings", "finding_absent", "document_has"]
    assert CHECKS["command_ran"].judge.__module__ == "labs.check_types.build"
