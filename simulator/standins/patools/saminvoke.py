"""`sam local invoke`: run one function's handler here, once, and print what SAM prints.

The environment is the template's (Globals merged, `!Ref` to a parameter resolved, `!Ref` to a
resource left as its logical id, since nothing is deployed), then `--env-vars` for variables
the template declares. The function gets the caller's credentials and Region, as SAM passes
them to its container, and boto3 reaches the simulated account. As with the real CLI, a
handler error is printed and the exit status stays 0 (aws/aws-sam-cli#1081).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

from patools import samtemplate
from patools.common import dumps, fail

TOOLS = "/codebuild/pa/tools/patools"
MAX_OUTPUT = 200_000  # bytes of handler log kept on screen


def _event(opts: dict) -> str:
    if opts.get("no-event"):
        return "{}"
    source = opts.get("event") or opts.get("e")
    if not isinstance(source, str):
        print(
            "Reading invoke payload from stdin (you can also pass it from file with --event)",
            file=sys.stderr,
        )
        source = "-"
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
        except OSError:
            fail(
                f"Usage: sam local invoke [OPTIONS] [FUNCTION_LOGICAL_ID]\n\nError: Invalid "
                f"value for '--event' / '-e': File '{source}' does not exist."
            )
    try:
        json.loads(text or "{}")
    except ValueError as exc:
        fail(f"Error: the event is not valid JSON ({source}): {exc}")
    return text or "{}"


def _env_vars(opts: dict, logical: str, props: dict, declared: dict) -> dict:
    path = opts.get("env-vars") or opts.get("n")
    if not isinstance(path, str):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError:
        fail(f"Error: Invalid value for '--env-vars' / '-n': File '{path}' does not exist.")
    except ValueError as exc:
        fail(f"Error: Could not read environment variables overrides from file {path}: {exc}")
    if not isinstance(data, dict):
        fail(f"Error: {path} must hold a JSON object")
    names = [logical, str(props.get("FunctionName") or "")]
    merged = {}
    shared = data.get("Parameters")
    if isinstance(shared, dict):
        merged.update(shared)
    for name in names:
        if name and isinstance(data.get(name), dict):
            merged.update(data[name])
    # Only variables the template declares are overridden (SAM ignores the others).
    return {k: "" if v is None else str(v) for k, v in merged.items() if k in declared}


def _account(env: dict) -> str:
    """The caller's account id (one STS call), for the function ARN the context shows."""
    try:
        sys.path[:0] = [p for p in ("/codebuild/pa/sam", "/codebuild/pa/python") if p]
        import urllib3.connection
        from patools.awsboot import _new_conn

        # Patched on purpose: every connection goes to the account socket (no network).
        urllib3.connection.HTTPConnection._new_conn = _new_conn  # type: ignore[method-assign]
        import boto3

        return boto3.client("sts").get_caller_identity()["Account"]
    except Exception:  # no boto3 or no account here: the ARN just has a placeholder
        return "123456789012"


def invoke(opts: dict, positional: list[str]) -> int:
    """Run the chosen function's handler once with the template's environment; print its result."""
    path = samtemplate.find_template(opts, prefer_built=True)
    template = samtemplate.load(path)
    functions = samtemplate.functions(template)
    if not functions:
        fail(f"Error: no AWS::Serverless::Function in {path}")
    logical = _logical_id(functions, positional)
    props = functions[logical]
    runtime = props.get("Runtime")
    handler = props.get("Handler")
    code = _code_folder(path, logical, props)
    if not isinstance(handler, str):
        fail(f"Error: {logical} has no Handler")
    command = _command(runtime)
    event = _event(opts)
    params = samtemplate.parameter_values(template, _overrides(opts))
    region = _region(opts)
    account = _account(dict(os.environ))
    variables = _variables(opts, template, params, logical, props, region, account)
    timeout = float(props.get("Timeout") or 3)
    memory = int(props.get("MemorySize") or 128)
    name = str(props.get("FunctionName") or logical)
    request_id = str(uuid.uuid4())
    env = _environment(runtime, code, name, memory, region, account, request_id, timeout)
    env.update(variables)
    print(f"Invoking {handler} ({runtime})", file=sys.stderr)
    print(
        f"Running {logical} in the build sandbox (simulated SAM: no container; "
        f"code from {os.path.relpath(code)})",
        file=sys.stderr,
    )
    print(f"START RequestId: {request_id} Version: $LATEST", file=sys.stderr)
    sys.stderr.flush()
    raw, timed_out, status, duration = _run([*command, code, handler], code, env, event, timeout)
    print(f"END RequestId: {request_id}", file=sys.stderr)
    print(
        f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: "
        f"{int(duration) + 1} ms\tMemory Size: {memory} MB\tMax Memory Used: {min(memory, 64)} MB",
        file=sys.stderr,
    )
    sys.stderr.flush()
    if timed_out:
        print(f"Function '{logical}' timed out after {timeout:g} seconds", file=sys.stderr)
        print(dumps({"errorMessage": f"Task timed out after {timeout:.2f} seconds"}))
        return 0
    _print_outcome(raw, status, request_id)
    return 0


def _logical_id(functions: dict, positional: list[str]) -> str:
    """The function to run: the one named (by logical id or FunctionName), else the only one."""
    if not positional:
        if len(functions) != 1:
            fail(
                "Error: You must provide a function logical ID when there are more than one "
                "functions in your template. Possible options in your template: "
                f"{sorted(functions)}"
            )
        return next(iter(functions))
    logical = positional[0]
    if logical in functions:
        return logical
    by_name = [k for k, v in functions.items() if v.get("FunctionName") == logical]
    if not by_name:
        fail(
            f"Error: Function {logical} not found in template. Possible options in "
            f"your template: {sorted(functions)}"
        )
    return by_name[0]


def _code_folder(path: str, logical: str, props: dict) -> str:
    """The function's code folder (its CodeUri, relative to the template), which must exist."""
    if "InlineCode" in props:
        fail(f"Error: {logical} uses InlineCode: the simulator runs functions from CodeUri folders")
    code_uri = props.get("CodeUri", ".")
    if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
        fail(f"Error: {logical}: CodeUri must be a local folder to invoke it locally")
    code = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), code_uri))
    if not os.path.isdir(code):
        fail(f"Error: {logical}: the code folder {code} does not exist (run sam build?)")
    return code


def _command(runtime: object) -> list[str]:
    """The local runner of the runtime's handlers (Python or Node.js)."""
    from patools.sam import NODE_RUNTIMES, PYTHON_RUNTIMES

    if runtime in PYTHON_RUNTIMES:
        return ["/usr/bin/python3", "-I", "-S", f"{TOOLS}/samlocal.py"]
    if runtime not in NODE_RUNTIMES:
        fail(
            f"Error: the simulator runs {', '.join(PYTHON_RUNTIMES + NODE_RUNTIMES)} handlers "
            f"locally, not {runtime!r}"
        )
    if not os.path.exists("/usr/bin/node"):
        fail(f"Error: {runtime}: Node.js is not installed in this build image")
    return ["/usr/bin/node", f"{TOOLS}/samlocal.js"]


def _overrides(opts: dict) -> list:
    """The --parameter-overrides given, as a list (one option or several)."""
    given = opts.get("parameter-overrides")
    return [given] if isinstance(given, str) else list(given or [])


def _region(opts: dict) -> str:
    """The Region: --region, else the caller's environment, else us-east-1."""
    return str(
        opts.get("region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )


def _variables(
    opts: dict, template: dict, params: dict, logical: str, props: dict, region: str, account: str
) -> dict:
    """The function's environment variables: the template's, resolved, then --env-vars."""
    pseudo = {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": "aws",
        "AWS::StackName": "local",
        "AWS::URLSuffix": "amazonaws.com",
    }
    declared = (props.get("Environment") or {}).get("Variables") or {}
    variables = {
        k: samtemplate.resolve_local(v, template, params, pseudo) for k, v in declared.items()
    }
    variables.update(_env_vars(opts, logical, props, declared))
    return variables


def _environment(
    runtime: object,
    code: str,
    name: str,
    memory: int,
    region: str,
    account: str,
    request_id: str,
    timeout: float,
) -> dict:
    """Lambda's variables for the runner, and the caller's credentials as SAM passes them."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": os.environ.get("HOME", "/root"),
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": code,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "PA_REQUEST_ID": request_id,
        "PA_TIMEOUT": str(timeout),
        "PA_FUNCTION_ARN": f"arn:aws:lambda:{region}:{account}:function:{name}",
    }
    for key in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "PA_ACCOUNT_SOCKET",
    ):
        if os.environ.get(key):
            env[key] = os.environ[key]
    env.setdefault("AWS_ENDPOINT_URL", "http://aws.internal")
    return env


def _run(
    argv: list[str], code: str, env: dict, event: str, timeout: float
) -> tuple[bytes, bool, int | None, float]:
    """Run the handler (event from a file, outcome on a pipe): outcome, timed out, status, ms."""
    read_end, write_end = os.pipe()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(event)
        event_file = handle.name
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [*argv, event_file, str(write_end)],
            env=env,
            cwd=code,
            stdin=subprocess.DEVNULL,
            stdout=sys.stderr,  # the function's log goes where SAM shows container output
            stderr=sys.stderr,
            pass_fds=(write_end,),
        )
        os.close(write_end)
        try:
            proc.wait(timeout=timeout + 0.5)  # start-up is not the function's time
            timed_out = False
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            timed_out = True
        raw = b""
        while True:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            raw += chunk
    finally:
        os.close(read_end)
        os.unlink(event_file)
    return raw, timed_out, proc.returncode, (time.monotonic() - started) * 1000


def _print_outcome(raw: bytes, status: int | None, request_id: str) -> None:
    """Print the handler's result, or its error, or SAM's error for a runner that died."""
    try:
        outcome = json.loads(raw.decode() or "null")
    except ValueError:
        outcome = None
    if not isinstance(outcome, dict):
        print(
            dumps(
                {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited with "
                    f"error: exit status {status}",
                }
            )
        )
    elif "error" in outcome:
        print(dumps(outcome["error"]))
    else:
        print(dumps(outcome.get("result")))
