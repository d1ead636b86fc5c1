"""`sam local invoke`'s refusals before it runs anything, and how it prints a handler's outcome."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from simulator.standins import _channel

sys.path.insert(0, str(_channel.TOOLS_DIR))
from patools import saminvoke

FUNCTION = "    Type: AWS::Serverless::Function\n"


def _template(tmp_path: Path, resources: str) -> str:
    path = tmp_path / "template.yaml"
    path.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + resources)
    (tmp_path / "src").mkdir(exist_ok=True)
    return str(path)


def _refusal(capsys: pytest.CaptureFixture[str], opts: dict, positional: list[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        saminvoke.invoke(opts, positional)
    assert exited.value.code == 1
    return capsys.readouterr().err.strip()


ONE = "  Api:\n" + FUNCTION + "    Properties: {CodeUri: src/, Handler: app.h, Runtime: %s}\n"
TWO = (
    "  Api:\n" + FUNCTION + "    Properties: {CodeUri: src/, Handler: app.h, Runtime: python3.12,"
    " FunctionName: api-fn}\n"
    "  Worker:\n" + FUNCTION + "    Properties: {CodeUri: src/, Handler: app.h, Runtime: java21}\n"
)


@pytest.mark.parametrize(
    ("resources", "positional", "expected"),
    [
        ("  Bucket: {Type: AWS::S3::Bucket}\n", [], "Error: no AWS::Serverless::Function in "),
        (
            TWO,
            [],
            "Error: You must provide a function logical ID when there are more than one "
            "functions in your template. Possible options in your template: ['Api', 'Worker']",
        ),
        (
            TWO,
            ["Nope"],
            "Error: Function Nope not found in template. Possible options in your template: "
            "['Api', 'Worker']",
        ),
        (
            TWO,
            ["Worker"],
            "Error: the simulator runs python3.9, python3.10, python3.11, python3.12, "
            "python3.13, nodejs18.x, nodejs20.x, nodejs22.x handlers locally, not 'java21'",
        ),
        (
            "  Api:\n" + FUNCTION + "    Properties: {InlineCode: x, Handler: a.h}\n",
            [],
            "Error: Api uses InlineCode: the simulator runs functions from CodeUri folders",
        ),
        (
            "  Api:\n" + FUNCTION + "    Properties: {CodeUri: s3://b/k.zip, Handler: a.h}\n",
            [],
            "Error: Api: CodeUri must be a local folder to invoke it locally",
        ),
        (
            "  Api:\n" + FUNCTION + "    Properties: {CodeUri: gone/, Handler: a.h}\n",
            [],
            "Error: Api: the code folder {dir}/gone does not exist (run sam build?)",
        ),
        (
            "  Api:\n" + FUNCTION + "    Properties: {CodeUri: src/, Runtime: python3.12}\n",
            [],
            "Error: Api has no Handler",
        ),
    ],
)
def test_what_cannot_be_invoked_is_refused_with_sams_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    resources: str,
    positional: list[str],
    expected: str,
) -> None:
    path = _template(tmp_path, resources)
    message = _refusal(capsys, {"template-file": path}, positional)
    assert message.startswith(expected.format(dir=tmp_path))


def test_a_function_is_found_by_its_name_and_a_missing_event_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _template(tmp_path, TWO)
    opts = {"template-file": path, "event": str(tmp_path / "none.json")}
    # FunctionName api-fn is the Api function: a Python one, so the event is read next.
    assert _refusal(capsys, opts, ["api-fn"]) == (
        "Usage: sam local invoke [OPTIONS] [FUNCTION_LOGICAL_ID]\n\nError: Invalid value for "
        f"'--event' / '-e': File '{tmp_path / 'none.json'}' does not exist."
    )
    (tmp_path / "bad.json").write_text("{nope")
    opts["event"] = str(tmp_path / "bad.json")
    assert _refusal(capsys, opts, ["Api"]).startswith(
        f"Error: the event is not valid JSON ({tmp_path / 'bad.json'}): "
    )


def test_a_node_function_needs_node_in_the_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _template(tmp_path, ONE % "nodejs20.x")
    monkeypatch.setattr(saminvoke.os.path, "exists", lambda _p: False)
    assert _refusal(capsys, {"template-file": path}, []) == (
        "Error: nodejs20.x: Node.js is not installed in this build image"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"result": {"ok": 1}}', {"ok": 1}),
        (b'{"result": null}', None),
        (
            b'{"error": {"errorType": "E", "errorMessage": "m"}}',
            {"errorType": "E", "errorMessage": "m"},
        ),
        (
            b"",
            {
                "errorType": "Runtime.ExitError",
                "errorMessage": "RequestId: r-1 Error: Runtime exited with error: exit status 3",
            },
        ),
        (
            b"[1]",
            {
                "errorType": "Runtime.ExitError",
                "errorMessage": "RequestId: r-1 Error: Runtime exited with error: exit status 3",
            },
        ),
    ],
)
def test_the_outcome_is_the_result_the_error_or_the_runners_exit(
    capsys: pytest.CaptureFixture[str], raw: bytes, expected: object
) -> None:
    saminvoke._print_outcome(raw, 3, "r-1")
    assert json.loads(capsys.readouterr().out) == expected
