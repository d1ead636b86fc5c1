"""Our handlers for the services moto does not model the way the labs need (CodeDeploy).

A `create-deployment` from the sandbox is validated against the world's applications and
deployment groups and recorded here; the host's CodeDeploy engine runs the lifecycle.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from simulator.account import _protocol as proto

if TYPE_CHECKING:
    from simulator.account._server import AccountServer

Response = tuple[int, list[tuple[str, str]], bytes]


def _ok(data: dict[str, Any]) -> Response:
    body = json.dumps(data, default=str).encode()
    return (
        200,
        [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))],
        body,
    )


def codedeploy(
    server: AccountServer, operation: str, params: dict[str, Any], account: str, region: str
) -> Response:
    apps = (server.codedeploy or {}).get("applications") or {}
    if operation == "ListApplications":
        return _ok({"applications": sorted(apps)})
    if operation in (
        "GetApplication",
        "ListDeploymentGroups",
        "CreateDeployment",
        "GetDeploymentGroup",
    ):
        app_name = str(params.get("applicationName", ""))
        app = apps.get(app_name)
        if app is None:
            return proto.error_response(
                "codedeploy",
                400,
                "ApplicationDoesNotExistException",
                f"No application found for name: {app_name}",
            )
        groups = app.get("deployment_groups") or {}
        if operation == "GetApplication":
            return _ok(
                {
                    "application": {
                        "applicationName": app_name,
                        "computePlatform": app.get("compute_platform", "Server"),
                    }
                }
            )
        if operation == "ListDeploymentGroups":
            return _ok({"applicationName": app_name, "deploymentGroups": sorted(groups)})
        group_name = str(params.get("deploymentGroupName", ""))
        if group_name not in groups:
            return proto.error_response(
                "codedeploy",
                400,
                "DeploymentGroupDoesNotExistException",
                f"No Deployment Group found for name: {group_name}",
            )
        if operation == "GetDeploymentGroup":
            group = groups[group_name]
            return _ok(
                {
                    "deploymentGroupInfo": {
                        "applicationName": app_name,
                        "deploymentGroupName": group_name,
                        "deploymentConfigName": group.get(
                            "deployment_config", "CodeDeployDefault.OneAtATime"
                        ),
                        "computePlatform": app.get("compute_platform", "Server"),
                    }
                }
            )
        if "revision" not in params:
            return proto.error_response(
                "codedeploy", 400, "RevisionRequiredException", "Revision is missing"
            )
        deployment_id = "d-" + "".join(
            secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(9)
        )
        server.deployments.append(
            {
                "deployment_id": deployment_id,
                "application": app_name,
                "group": group_name,
                "revision": json.dumps(params.get("revision"), sort_keys=True)[:4096],
                "config": str(params.get("deploymentConfigName", ""))[:256],
                "status": "Created",
                "account": account,
                "region": region,
            }
        )
        return _ok({"deploymentId": deployment_id})
    if operation == "GetDeployment":
        wanted = str(params.get("deploymentId", ""))
        found = next((d for d in server.deployments if d["deployment_id"] == wanted), None)
        if found is None:
            return proto.error_response(
                "codedeploy",
                400,
                "DeploymentDoesNotExistException",
                f"The deployment {wanted} could not be found.",
            )
        return _ok(
            {
                "deploymentInfo": {
                    "deploymentId": wanted,
                    "applicationName": found["application"],
                    "deploymentGroupName": found["group"],
                    "status": found["status"],
                }
            }
        )
    if operation == "ListDeployments":
        return _ok({"deployments": [d["deployment_id"] for d in server.deployments]})
    return proto.error_response(
        "codedeploy",
        400,
        "InvalidOperationException",
        f"CodeDeploy {operation or 'this operation'} is not simulated in this lab",
    )
