"""Checks on what reached the account: new ECR images, API requests (optionally by a command)."""

from __future__ import annotations

import re
from typing import Any

from labs.checks import Evidence, Verdict, check, command_matches, plural, words


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
