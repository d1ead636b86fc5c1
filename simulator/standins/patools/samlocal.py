"""`sam local invoke` runtime for Python handlers: one process per invocation, in the sandbox.

Started by the `sam` stand-in as `python3 -I -S samlocal.py CODE HANDLER EVENT_FILE RESULT_FD`.
It imports the handler's module from the function's code folder, calls it with the event and a
Lambda-like context, and writes the outcome as JSON to RESULT_FD; what the handler prints is
its log. boto3 (read-only, next to the AWS CLI) reaches the simulated account through the same
socket the `aws` command uses.
"""

import json
import os
import sys
import time
import traceback

CODE, HANDLER, EVENT_FILE, RESULT_FD = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# The function's own folder first (as /var/task is on Lambda), then boto3, then the CLI's
# packages (urllib3, dateutil, jmespath, yaml), then our tools (the socket patch) last.
sys.path[:0] = [CODE, "/codebuild/pa/sam", "/codebuild/pa/python"]
sys.path.append("/codebuild/pa/tools")


def _report(data):
    with os.fdopen(RESULT_FD, "w") as out:
        out.write(json.dumps(data, default=str))


class Context:
    """The attributes and method a handler reads from Lambda's context object."""

    def __init__(self, timeout):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = "$LATEST"
        self.invoked_function_arn = os.environ.get("PA_FUNCTION_ARN", "")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = os.environ.get("PA_REQUEST_ID", "")
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "$LATEST"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc, kind=None):
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "errorMessage": str(exc),
        "errorType": kind or type(exc).__name__,
        "requestId": os.environ.get("PA_REQUEST_ID", ""),
        "stackTrace": [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames],
    }


def main():
    try:
        import urllib3.connection
        from patools.awsboot import _new_conn

        # Patched on purpose: every connection goes to the account socket (no network).
        urllib3.connection.HTTPConnection._new_conn = _new_conn  # type: ignore[method-assign]
    except ImportError:  # no urllib3: the handler simply has no AWS SDK
        pass
    module_path, _, function = HANDLER.rpartition(".")
    if not module_path or not function:
        _report(
            {
                "error": {
                    "errorMessage": f"Bad handler '{HANDLER}': not enough values to unpack "
                    "(expected 2, got 1)",
                    "errorType": "Runtime.MalformedHandlerName",
                }
            }
        )
        return
    try:
        with open(EVENT_FILE, encoding="utf-8") as handle:
            event = json.load(handle)
    except ValueError as exc:
        _report({"error": {"errorMessage": f"event is not JSON: {exc}", "errorType": "Invalid"}})
        return
    try:
        import importlib

        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as exc:
        _report(
            {
                "error": {
                    "errorMessage": f"Unable to import module '{module_path}': {exc}",
                    "errorType": "Runtime.ImportModuleError",
                    "requestId": os.environ.get("PA_REQUEST_ID", ""),
                    "stackTrace": [],
                }
            }
        )
        return
    except Exception as exc:  # the module itself raised while loading (Lambda: init error)
        _report({"error": _error(exc)})
        return
    handler = getattr(module, function, None)
    if not callable(handler):
        _report(
            {
                "error": {
                    "errorMessage": f"Handler '{function}' missing on module '{module_path}'",
                    "errorType": "Runtime.HandlerNotFound",
                    "requestId": os.environ.get("PA_REQUEST_ID", ""),
                    "stackTrace": [],
                }
            }
        )
        return
    timeout = float(os.environ.get("PA_TIMEOUT", "3"))
    try:
        result = handler(event, Context(timeout))
    except Exception as exc:
        _report({"error": _error(exc)})
        return
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        _report(
            {
                "error": {
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "errorType": "Runtime.MarshalError",
                    "requestId": os.environ.get("PA_REQUEST_ID", ""),
                    "stackTrace": [],
                }
            }
        )
        return
    _report({"result": result})


if __name__ == "__main__":
    main()
