"""One failing and one passing document per rule code: (kind, bad, good, options)."""

from __future__ import annotations

from typing import Any

BS = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n"


def bs(extra: str = "", phases: str = "  build:\n    commands:\n      - echo hi\n") -> str:
    """A buildspec 0.2 with `extra` top-level text and the given phases body."""
    return f"version: 0.2\n{extra}phases:\n{phases}"


EC2 = "version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /var/www\n"
LAMBDA = (
    "version: 0.0\nResources:\n  - fn:\n      Type: AWS::Lambda::Function\n      Properties:\n"
    "        Name: f\n        Alias: live\n        CurrentVersion: 1\n        TargetVersion: {t}\n"
    "Hooks:\n  - BeforeAllowTraffic: check\n"
)
ECS = (
    "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n"
    "      Properties:\n        TaskDefinition: {td}\n        LoadBalancerInfo:\n"
    "          ContainerName: app\n          ContainerPort: {port}\n{extra}"
    "Hooks:\n  - {hook}: fn\n"
)
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:3"


def ecs(td: str = TD, port: str = "8080", extra: str = "", hook: str = "AfterInstall") -> str:
    """An ECS AppSpec."""
    return ECS.format(td=td, port=port, extra=extra, hook=hook)


NET = "        NetworkConfiguration:\n          AwsvpcConfiguration:\n{lines}"


def pipe(stages: list[Any] | None = None, **top: Any) -> dict[str, Any]:
    """A valid two-stage get-pipeline declaration (as data), overridable."""
    source = action(
        "Src",
        "Source",
        "CodeCommit",
        outputs=["src"],
        config={"RepositoryName": "r", "BranchName": "main"},
    )
    build = action(
        "Build", "Build", "CodeBuild", inputs=["src"], outputs=["out"], config={"ProjectName": "p"}
    )
    body = {
        "name": "demo",
        "roleArn": "arn:aws:iam::123456789012:role/pipe",
        "artifactStore": {"type": "S3", "location": "bucket"},
        "stages": stages
        if stages is not None
        else [{"name": "Source", "actions": [source]}, {"name": "Build", "actions": [build]}],
    }
    body.update(top)
    return {"pipeline": body}


def action(
    name: str,
    category: str,
    provider: str,
    *,
    owner: str = "AWS",
    inputs: list[str] | None = None,
    outputs: list[str] | None = None,
    config: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One action declaration."""
    result = {
        "name": name,
        "actionTypeId": {
            "category": category,
            "owner": owner,
            "provider": provider,
            "version": "1",
        },
        "runOrder": 1,
        "configuration": config or {},
        "inputArtifacts": [{"name": n} for n in inputs or []],
        "outputArtifacts": [{"name": n} for n in outputs or []],
    }
    result.update(extra)
    return result


SRC = action(
    "Src",
    "Source",
    "CodeCommit",
    outputs=["src"],
    config={"RepositoryName": "r", "BranchName": "main"},
)


CONN_STAGES = [
    {
        "name": "Source",
        "actions": [
            action(
                "Src",
                "Source",
                "CodeStarSourceConnection",
                outputs=["src"],
                config={
                    "ConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/x",
                    "FullRepositoryId": "org/repo",
                    "BranchName": "main",
                },
            )
        ],
    },
    {
        "name": "Build",
        "actions": [
            {
                **SRC,
                "name": "B",
                "actionTypeId": {
                    "category": "Build",
                    "owner": "AWS",
                    "provider": "CodeBuild",
                    "version": "1",
                },
                "configuration": {"ProjectName": "p"},
                "inputArtifacts": [{"name": "src"}],
                "outputArtifacts": [],
            }
        ],
    },
]


def two(actions: list[Any], **top: Any) -> dict[str, Any]:
    """Source stage + one stage with `actions`."""
    return pipe([{"name": "Source", "actions": [SRC]}, {"name": "Next", "actions": actions}], **top)


def cb(name: str = "Build", inputs: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    """A CodeBuild build action."""
    return action(
        name,
        "Build",
        "CodeBuild",
        inputs=inputs or ["src"],
        config=kw.pop("config", {"ProjectName": "p"}),
        **kw,
    )


CFN_STACK = action(
    "Deploy",
    "Deploy",
    "CloudFormation",
    inputs=["src"],
    config={
        "ActionMode": "CREATE_UPDATE",
        "StackName": "s",
        "TemplatePath": "src::t.yml",
        "RoleArn": "arn:aws:iam::123456789012:role/cfn",
    },
)

SAM = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
    "    Properties:\n      Handler: a.b\n      Runtime: python3.12\n      CodeUri: .\n"
    "      AutoPublishAlias: live\n      DeploymentPreference:\n        Type: {t}\n"
)

CASES: dict[str, tuple[str, Any, Any, dict[str, Any]]] = {
    # loading
    "YM002": ("buildspec", "", BS, {}),
    "YM003": ("buildspec", b"\x00\x01binary", BS, {}),
    "YM004": ("buildspec", "version: caf\xe9\n".encode("latin-1"), BS, {}),
    "YM005": ("buildspec", "#" * (3 * 1024 * 1024), BS, {}),
    "YM006": ("buildspec", "a: " + "[" * 30000, BS, {}),
    "YM007": (
        "buildspec",
        "a: &a [1, 2]\n"
        + "".join(
            f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n"
            for i in range(12)
        ),
        BS,
        {},
    ),
    "YM008": ("buildspec", "version: !!python/object:os.system {}\n", BS, {}),
    "YM009": ("buildspec", "version: 0.2\nphases: [\n", BS, {}),
    "YM010": ("buildspec", "version: " + "9" * 100_000 + "\n", BS, {}),
    "YM012": ("buildspec", BS + "version: 0.2\n", BS, {}),
    "YM013": ("buildspec", BS + "---\n" + BS, BS, {}),
    "YM014": ("buildspec", "- a\n- b\n", BS, {}),
    "YM016": ("auto", "hello: world\n", BS, {}),
    # buildspec
    "BS001": ("buildspec", "phases:\n  build:\n    commands: [ls]\n", BS, {}),
    "BS002": ("buildspec", BS.replace("0.2", "0.3"), BS, {}),
    "BS003": ("buildspec", BS.replace("0.2", "0.1"), BS, {}),
    "BS004": ("buildspec", bs("notes: hello\n"), BS, {}),
    "BS041": ("buildspec", bs("cahce:\n  paths: [x]\n"), BS, {}),
    "BS005": ("buildspec", "version: 0.2\nenv:\n  shell: bash\n", BS, {}),
    "BS006": ("buildspec", bs(phases="  prebuild:\n    commands: [ls]\n"), BS, {}),
    "BS007": ("buildspec", bs("env:\n  variables: [A, B]\n"), BS, {}),
    "BS008": (
        "buildspec",
        bs(phases="  build:\n    runtime-versions:\n      nodejs: 20\n    commands: [ls]\n"),
        BS,
        {},
    ),
    "BS009": ("buildspec", bs(phases="  build:\n    finally: [ls]\n"), BS, {}),
    "BS010": (
        "buildspec",
        bs(phases="  build:\n    on-failure: IGNORE\n    commands: [ls]\n"),
        bs(phases="  build:\n    on-failure: RETRY-3-timed out.*\n    commands: [ls]\n"),
        {},
    ),
    "BS011": (
        "buildspec",
        bs(phases="  build:\n    commands:\n      - echo a: b\n"),
        bs(phases="  build:\n    commands:\n      - 'echo a: b'\n"),
        {},
    ),
    "BS012": ("buildspec", bs(phases="  build:\n    commands: make all\n"), BS, {}),
    "BS013": (
        "buildspec",
        bs("env:\n  variables:\n    CODEBUILD_X: a\n"),
        bs("env:\n  variables:\n    X: a\n"),
        {},
    ),
    "BS014": (
        "buildspec",
        bs("env:\n  exported-variables: [AWS_X]\n"),
        bs("env:\n  exported-variables: [X]\n"),
        {},
    ),
    "BS015": (
        "buildspec",
        bs("env:\n  variables:\n    DB_PASSWORD: hunter2\n"),
        bs("env:\n  parameter-store:\n    DB_PASSWORD: /app/db/password\n"),
        {},
    ),
    "BS016": (
        "buildspec",
        bs("env:\n  secrets-manager:\n    K: 'id:key:AWSCURRENT:v1'\n"),
        bs("env:\n  secrets-manager:\n    K: 'prod/api:API_KEY'\n"),
        {},
    ),
    "BS017": ("buildspec", bs("env:\n  shell: zsh\n"), bs("env:\n  shell: bash\n"), {}),
    "BS018": (
        "buildspec",
        bs("env:\n  git-credential-helper: maybe\n"),
        bs("env:\n  git-credential-helper: yes\n"),
        {},
    ),
    "BS019": (
        "buildspec",
        bs(phases="  install:\n    runtime-versions: {}\n  build:\n    commands: [ls]\n"),
        BS,
        {},
    ),
    "BS020": (
        "buildspec",
        bs(
            phases="  install:\n    runtime-versions:\n      nodejs: 12\n  build:\n    commands: [ls]\n"
        ),
        bs(
            phases="  install:\n    runtime-versions:\n      nodejs: 20\n  build:\n    commands: [ls]\n"
        ),
        {},
    ),
    "BS021": (
        "buildspec",
        bs(
            phases="  install:\n    runtime-versions:\n      node: 20\n  build:\n    commands: [ls]\n"
        ),
        bs(
            phases="  install:\n    runtime-versions:\n      nodejs: 20\n  build:\n    commands: [ls]\n"
        ),
        {},
    ),
    "BS022": (
        "buildspec",
        bs("env:\n  variables:\n    PATH: $PATH:/opt/bin\n"),
        bs("env:\n  variables:\n    TOOL: /opt/bin\n"),
        {},
    ),
    "BS023": (
        "buildspec",
        BS + "artifacts:\n  name: x\n",
        # Only secondary artifacts: the top level needs no `files` (AWS's own libraries' form).
        BS + "artifacts:\n  secondary-artifacts:\n    out1:\n      files: ['**/*']\n",
        {},
    ),
    "BS024": (
        "buildspec",
        BS + "reports:\n" + "".join(f"  r{i}:\n    files: [a]\n" for i in range(6)),
        BS + "reports:\n  r1:\n    files: [a]\n",
        {},
    ),
    "BS025": (
        "buildspec",
        BS + "reports:\n  r:\n    base-directory: out\n",
        BS + "reports:\n  r:\n    files: [a]\n",
        {},
    ),
    "BS026": (
        "buildspec",
        BS + "reports:\n  r:\n    files: [a]\n    file-format: JUNIT\n",
        BS + "reports:\n  r:\n    files: [a]\n    file-format: junitxml\n",
        {},
    ),
    "BS027": ("buildspec", BS + "cache:\n  key: k\n", BS + "cache:\n  paths: [x]\n", {}),
    "BS028": (
        "buildspec",
        BS + "cache:\n  action: load\n  paths: [x]\n",
        BS + "cache:\n  action: restore\n  paths: [x]\n",
        {},
    ),
    "BS029": (
        "buildspec",
        BS + "cache:\n  key: k\n  fallback-keys: [a, b, c, d, e, f]\n  paths: [x]\n",
        BS + "cache:\n  key: k\n  fallback-keys: [a]\n  paths: [x]\n",
        {},
    ),
    "BS030": (
        "buildspec",
        BS + "cache:\n  fallback-keys: [a]\n  paths: [x]\n",
        BS + "cache:\n  key: k\n  fallback-keys: [a]\n  paths: [x]\n",
        {},
    ),
    "BS031": (
        "buildspec",
        bs("batch:\n  fast-fail: true\n"),
        bs("batch:\n  build-list:\n    - identifier: a\n"),
        {},
    ),
    "BS032": (
        "buildspec",
        bs("batch:\n  build-list:\n    - identifier: a\n    - identifier: a\n"),
        bs("batch:\n  build-list:\n    - identifier: a\n    - identifier: b\n"),
        {},
    ),
    "BS033": (
        "buildspec",
        bs("batch:\n  build-graph:\n    - identifier: a\n      depend-on: [c]\n"),
        bs(
            "batch:\n  build-graph:\n    - identifier: a\n    - identifier: b\n      depend-on: [a]\n"
        ),
        {},
    ),
    "BS034": (
        "buildspec",
        bs(
            "batch:\n  build-list:\n    - identifier: a\n      env:\n        compute-type: BUILD_GENERAL1_SMALL\n        fleet: f\n"
        ),
        bs("batch:\n  build-list:\n    - identifier: a\n      env:\n        fleet: f\n"),
        {},
    ),
    "BS035": (
        "buildspec",
        bs("batch:\n  build-fanout:\n    parallelism: 0\n"),
        bs("batch:\n  build-fanout:\n    parallelism: 4\n"),
        {},
    ),
    "BS036": (
        "buildspec",
        BS + "artifacts:\n  files: ['**/*.json']\n  discard-paths: yes\n",
        BS + "artifacts:\n  files: ['**/*.json']\n",
        {"revision": "TREE"},
    ),
    "BS037": (
        "buildspec",
        bs("environment_variables:\n  plaintext:\n    A: b\n"),
        bs("env:\n  variables:\n    A: b\n"),
        {},
    ),
    "BS038": ("buildspec", bs("commands:\n  - ls\n"), BS, {}),
    "BS039": (
        "buildspec",
        bs(
            phases="  install:\n    runtime-versions:\n      python: 3.10\n  build:\n    commands: [ls]\n"
        ),
        bs(
            phases="  install:\n    runtime-versions:\n      python: '3.10'\n  build:\n    commands: [ls]\n"
        ),
        {},
    ),
    "BS040": (
        "buildspec",
        bs(phases="  build:\n    commands:\n      - # note\n      - ls\n"),
        BS,
        {},
    ),
    # appspec
    "AS001": ("appspec", EC2.replace("0.0", "1.0"), EC2, {}),
    "AS002": ("appspec", EC2.replace("version: 0.0", "version: '0.0'"), EC2, {}),
    "AS003": ("appspec", "version: 0.0\n", EC2, {}),
    "AS004": ("appspec", EC2.replace("linux", "ubuntu"), EC2, {}),
    "AS005": ("appspec", EC2 + "notes: hello\n", EC2, {}),
    "AS035": ("appspec", EC2 + "hook:\n  AfterInstall: []\n", EC2, {}),
    "AS006": ("appspec", EC2.replace("    destination: /var/www\n", ""), EC2, {}),
    "AS007": (
        "appspec",
        EC2 + "hooks:\n  - AfterInstall\n",
        EC2 + "hooks:\n  AfterInstall:\n    - location: a.sh\n",
        {},
    ),
    "AS008": ("appspec", EC2.replace("/var/www", "var/www"), EC2, {}),
    "AS009": (
        "appspec",
        EC2 + "file_exists_behavior: REPLACE\n",
        EC2 + "file_exists_behavior: OVERWRITE\n",
        {},
    ),
    "AS010": (
        "appspec",
        EC2.replace("linux", "windows").replace("/var/www", "C:\\\\app")
        + "permissions:\n  - object: C:\\\\app\n",
        EC2.replace("linux", "windows").replace("/var/www", "C:\\\\app"),
        {},
    ),
    "AS011": (
        "appspec",
        EC2 + "permissions:\n  - owner: app\n",
        EC2 + "permissions:\n  - object: /var/www\n",
        {},
    ),
    "AS012": (
        "appspec",
        EC2 + "permissions:\n  - object: /a\n    mode: u+x\n",
        EC2 + "permissions:\n  - object: /a\n    mode: 755\n",
        {},
    ),
    "AS013": (
        "appspec",
        EC2 + "permissions:\n  - object: /a\n    mode: 0644\n",
        EC2 + "permissions:\n  - object: /a\n    mode: '0644'\n",
        {},
    ),
    "AS014": (
        "appspec",
        EC2 + "permissions:\n  - object: /a\n    type: [link]\n",
        EC2 + "permissions:\n  - object: /a\n    type: [file]\n",
        {},
    ),
    "AS015": (
        "appspec",
        EC2 + "permissions:\n  - object: /a\n    acls: ['u::rw']\n",
        EC2 + "permissions:\n  - object: /a\n    acls: ['u:bob:rw']\n",
        {},
    ),
    "AS016": (
        "appspec",
        EC2 + "permissions:\n  - object: /a\n    context:\n      user: unconfined_u\n",
        EC2 + "permissions:\n  - object: /a\n    context:\n      type: httpd_sys_content_t\n",
        {},
    ),
    "AS017": (
        "appspec",
        EC2 + "hooks:\n  AfterInstal:\n    - location: a.sh\n",
        EC2 + "hooks:\n  AfterInstall:\n    - location: a.sh\n",
        {},
    ),
    "AS018": (
        "appspec",
        EC2 + "hooks:\n  AfterInstall:\n    - timeout: 30\n",
        EC2 + "hooks:\n  AfterInstall:\n    - location: a.sh\n",
        {},
    ),
    "AS019": (
        "appspec",
        EC2 + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 0\n",
        EC2 + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 30\n",
        {},
    ),
    "AS020": (
        "appspec",
        EC2 + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 4000\n",
        EC2 + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 3600\n",
        {},
    ),
    "AS021": (
        "appspec",
        EC2 + "hooks:\n  AfterInstall:\n    - location: scripts/missing.sh\n",
        EC2 + "hooks:\n  AfterInstall:\n    - location: scripts/start.sh\n",
        {"revision": "TREE"},
    ),
    "AS022": (
        "appspec",
        EC2.replace("linux", "windows").replace("/var/www", "C:\\\\app")
        + "hooks:\n  AfterInstall:\n    - location: a.ps1\n      runas: bob\n",
        EC2.replace("linux", "windows").replace("/var/www", "C:\\\\app")
        + "hooks:\n  AfterInstall:\n    - location: a.ps1\n",
        {},
    ),
    "AS023": (
        "appspec",
        LAMBDA.format(t=2).replace("        Alias: live\n", ""),
        LAMBDA.format(t=2),
        {},
    ),
    "AS024": ("appspec", LAMBDA.format(t="$LATEST"), LAMBDA.format(t=2), {}),
    "AS025": ("appspec", LAMBDA.format(t=1), LAMBDA.format(t=2), {}),
    "AS026": ("appspec", ecs().replace("          ContainerName: app\n", ""), ecs(), {}),
    "AS027": ("appspec", ecs(port="'8080'"), ecs(), {}),
    "AS028": (
        "appspec",
        ecs(extra=NET.format(lines="            Subnets: [s-1]\n")),
        ecs(
            extra=NET.format(
                lines="            Subnets: [s-1]\n            SecurityGroups: [sg-1]\n            AssignPublicIp: DISABLED\n"
            )
        ),
        {},
    ),
    "AS029": (
        "appspec",
        ecs(
            extra=NET.format(
                lines="            Subnets: [s-1]\n            SecurityGroups: [sg-1]\n            AssignPublicIp: 'yes'\n"
            )
        ),
        ecs(
            extra=NET.format(
                lines="            Subnets: [s-1]\n            SecurityGroups: [sg-1]\n            AssignPublicIp: ENABLED\n"
            )
        ),
        {},
    ),
    "AS030": ("appspec", ecs(td="<TASK_DEFINITION>"), ecs(), {}),
    "AS031": (
        "appspec",
        ecs().replace("AWS::ECS::Service", "AWS::ECS::TaskSet"),
        ecs(),
        {"platform": "ecs"},
    ),
    "AS032": (
        "appspec",
        ecs(
            extra="        CapacityProviderStrategy:\n          - CapacityProvider: a\n            Base: 1\n            Weight: 1\n          - CapacityProvider: b\n            Base: 2\n            Weight: 1\n"
        ),
        ecs(
            extra="        CapacityProviderStrategy:\n          - CapacityProvider: a\n            Base: 1\n            Weight: 1\n          - CapacityProvider: b\n            Weight: 3\n"
        ),
        {},
    ),
    "AS033": ("appspec", ecs() + "  - AfterInstall: fn2\n", ecs(), {}),
    "AS034": ("appspec", ecs(td="app:3"), ecs(), {}),
    "AS036": (
        "appspec",
        EC2 + "permissions:\n  - object: /var/www\n    type: file\n",
        EC2 + "permissions:\n  - object: /var/www\n    type: [file]\n",
        {},
    ),
    "AS037": (
        "appspec",
        EC2 + "hooks:\n  AfterInstall:\n    - location: scripts/start.sh --port 80\n",
        EC2 + "hooks:\n  AfterInstall:\n    - location: scripts/start.sh\n",
        {},
    ),
    # pipeline
    "PL001": ("pipeline", pipe(name="my pipeline"), pipe(), {}),
    "PL002": ("pipeline", pipe(roleArn="arn:aws:iam::123:user/x"), pipe(), {}),
    "PL003": (
        "pipeline",
        pipe(artifactStores={"us-east-1": {"type": "S3", "location": "b"}}),
        pipe(),
        {},
    ),
    "PL004": ("pipeline", pipe([{"name": "Source", "actions": [SRC]}]), pipe(), {}),
    "PL005": (
        "pipeline",
        pipe([{"name": "Source", "actions": [SRC]}, {"name": "Source", "actions": [cb()]}]),
        pipe(),
        {},
    ),
    "PL006": ("pipeline", two([cb("B"), cb("B", outputs=["o2"])]), two([cb("B"), cb("C")]), {}),
    "PL007": (
        "pipeline",
        pipe([{"name": "Source", "actions": [SRC, cb()]}, {"name": "B", "actions": [cb("C")]}]),
        pipe(),
        {},
    ),
    "PL008": (
        "pipeline",
        two([cb(), {**SRC, "name": "Src2", "outputArtifacts": [{"name": "s2"}]}]),
        pipe(),
        {},
    ),
    "PL009": (
        "pipeline",
        two(
            [
                {
                    **cb(),
                    "actionTypeId": {
                        "category": "Built",
                        "owner": "AWS",
                        "provider": "CodeBuild",
                        "version": "1",
                    },
                }
            ]
        ),
        pipe(),
        {},
    ),
    "PL010": (
        "pipeline",
        two([action("D", "Deploy", "CodeDeploi", inputs=["src"])]),
        two(
            [
                action(
                    "D",
                    "Deploy",
                    "CodeDeploy",
                    inputs=["src"],
                    config={"ApplicationName": "a", "DeploymentGroupName": "g"},
                )
            ]
        ),
        {},
    ),
    "PL011": ("pipeline", two([cb(config={"BatchEnabled": "true"})]), pipe(), {}),
    # AWS names the key it does not know (Branch), not the one that is then missing.
    "PL038": (
        "pipeline",
        pipe(
            [
                {
                    "name": "Source",
                    "actions": [
                        {**SRC, "configuration": {"RepositoryName": "r", "Branch": "main"}}
                    ],
                },
                {"name": "Build", "actions": [cb()]},
            ]
        ),
        pipe(),
        {},
    ),
    "PL039": (
        "pipeline",
        two([cb(config={"ProjectName": "p", "EnvironmentVariables": [{"name": "A"}]})]),
        two([cb(config={"ProjectName": "p", "EnvironmentVariables": '[{"name":"A"}]'})]),
        {},
    ),
    "PL040": (
        "pipeline",
        two([action("Run", "Compute", "Commands", inputs=["src"])], pipelineType="V2"),
        two(
            [action("Run", "Compute", "Commands", inputs=["src"], commands=["npm test"])],
            pipelineType="V2",
        ),
        {},
    ),
    "PL041": (
        "pipeline",
        pipe(
            pipelineType="V2",
            triggers=[
                {
                    "providerType": "CodeStarSourceConnection",
                    "gitConfiguration": {
                        "sourceActionName": "Src",
                        "push": [
                            {"tags": {"includes": ["v*"]}, "filePaths": {"includes": ["src/**"]}}
                        ],
                    },
                }
            ],
            stages=CONN_STAGES,
        ),
        pipe(
            pipelineType="V2",
            triggers=[
                {
                    "providerType": "CodeStarSourceConnection",
                    "gitConfiguration": {
                        "sourceActionName": "Src",
                        "push": [
                            {"tags": {"includes": ["v*"]}},
                            {
                                "branches": {"includes": ["main"]},
                                "filePaths": {"excludes": ["docs/**"]},
                            },
                        ],
                    },
                }
            ],
            stages=CONN_STAGES,
        ),
        {},
    ),
    "PL042": (
        "pipeline",
        two(
            [cb()],
            pipelineType="V2",
        )
        | {
            "pipeline": {
                **two([cb()], pipelineType="V2")["pipeline"],
                "stages": [
                    {"name": "Source", "actions": [SRC]},
                    {
                        "name": "Next",
                        "actions": [cb()],
                        "onSuccess": {
                            "conditions": [
                                {
                                    "result": "ROLLBACK",
                                    "rules": [
                                        {
                                            "name": "Alarm",
                                            "ruleTypeId": {
                                                "category": "Rule",
                                                "owner": "AWS",
                                                "provider": "CloudWatchAlarm",
                                                "version": "1",
                                            },
                                            "configuration": {"Alarm": "a"},
                                        }
                                    ],
                                }
                            ]
                        },
                    },
                ],
            }
        },
        {
            "pipeline": {
                **two([cb()], pipelineType="V2")["pipeline"],
                "stages": [
                    {"name": "Source", "actions": [SRC]},
                    {
                        "name": "Next",
                        "actions": [cb()],
                        "onFailure": {"result": "ROLLBACK"},
                        "onSuccess": {
                            "conditions": [
                                {
                                    "result": "ROLLBACK",
                                    "rules": [
                                        {
                                            "name": "Alarm",
                                            "ruleTypeId": {
                                                "category": "Rule",
                                                "owner": "AWS",
                                                "provider": "CloudWatchAlarm",
                                                "version": "1",
                                            },
                                            "configuration": {"AlarmName": "a"},
                                        }
                                    ],
                                }
                            ]
                        },
                    },
                ],
            }
        },
        {},
    ),
    "PL045": (
        "pipeline",
        two([{**cb(), "actionTypeId": {**cb()["actionTypeId"], "version": "2"}}]),
        pipe(),
        {},
    ),
    "PL046": (
        "pipeline",
        pipe(
            [
                {
                    "name": "Source",
                    "actions": [
                        action(
                            "Src",
                            "Source",
                            "GitHub",
                            owner="ThirdParty",
                            outputs=["src"],
                            config={"Owner": "o", "Repo": "r", "Branch": "main", "OAuthToken": "t"},
                        )
                    ],
                },
                {"name": "Build", "actions": [cb()]},
            ]
        ),
        pipe(),
        {},
    ),
    "PL044": (
        "pipeline",
        pipe(
            [
                {
                    "name": "Source",
                    "actions": [
                        {
                            **SRC,
                            "configuration": {
                                "RepositoryName": "r",
                                "BranchName": "main",
                                "OutputArtifactFormat": "CODE_ZIPPED",
                            },
                        }
                    ],
                },
                {"name": "Build", "actions": [cb()]},
            ]
        ),
        pipe(),
        {},
    ),
    "PL012": ("pipeline", two([{**cb(), "runOrder": 0}]), pipe(), {}),
    "PL013": (
        "pipeline",
        two([cb("A"), {**cb("B"), "runOrder": 3}]),
        two([cb("A"), {**cb("B"), "runOrder": 2}]),
        {},
    ),
    "PL014": (
        "pipeline",
        two([action("Approve", "Approval", "Manual", inputs=["src"])]),
        two([action("Approve", "Approval", "Manual")]),
        {},
    ),
    "PL015": ("pipeline", two([cb(inputs=["sorce"])]), pipe(), {}),
    "PL016": ("pipeline", two([cb(outputs=["src"])]), pipe(), {}),
    "PL018": (
        "pipeline",
        two([{**CFN_STACK, "region": "eu-west-1"}]),
        two(
            [{**CFN_STACK, "region": "eu-west-1"}],
            artifactStore=None,
            artifactStores={
                "us-east-1": {"type": "S3", "location": "a"},
                "eu-west-1": {"type": "S3", "location": "b"},
            },
        ),
        {},
    ),
    "PL019": (
        "pipeline",
        two([cb(config={"ProjectName": "p", "EnvironmentVariables": "#{Src.CommitId}"})]),
        two([cb(config={"ProjectName": "p", "EnvironmentVariables": "#{SourceVars.CommitId}"})]),
        {"src_namespace": "SourceVars"},
    ),
    "PL020": (
        "pipeline",
        two([{**cb(), "namespace": "src"}]),
        two([{**cb(), "namespace": "BuildVars"}]),
        {},
    ),
    "PL021": (
        "pipeline",
        two(
            [
                {
                    **CFN_STACK,
                    "configuration": {**CFN_STACK["configuration"], "TemplatePath": "t.yml"},
                }
            ]
        ),
        two([CFN_STACK]),
        {},
    ),
    "PL022": (
        "pipeline",
        two([cb(outputs=["build output"])]),
        two([cb(outputs=["build_output"])]),
        {},
    ),
    "PL023": (
        "pipeline",
        pipe(pipelineType="V1", executionMode="QUEUED"),
        pipe(pipelineType="V2", executionMode="QUEUED"),
        {},
    ),
    "PL024": (
        "pipeline",
        pipe(
            pipelineType="V2",
            triggers=[
                {
                    "providerType": "CodeStarSourceConnection",
                    "gitConfiguration": {
                        "sourceActionName": "Src",
                        "push": [{"branches": {"includes": ["main"]}}],
                    },
                }
            ],
        ),
        pipe(pipelineType="V2"),
        {},
    ),
    "PL025": (
        "pipeline",
        two([cb(config={"ProjectName": "#{variables.Env}"})], pipelineType="V2"),
        two(
            [cb(config={"ProjectName": "#{variables.Env}"})],
            pipelineType="V2",
            variables=[{"name": "Env", "defaultValue": "dev"}],
        ),
        {},
    ),
    "PL026": ("pipeline", two([cb(config={"ProjectName": "p" * 1001})]), pipe(), {}),
    "PL027": (
        "pipeline",
        two([{**cb(), "timeoutInMinutes": 60}]),
        two([{**action("Approve", "Approval", "Manual"), "timeoutInMinutes": 60}]),
        {},
    ),
    "PL028": (
        "pipeline",
        pipe(
            [
                {
                    "name": "Source",
                    "actions": [SRC, {**SRC, "name": "Src2", "outputArtifacts": [{"name": "s2"}]}],
                },
                {"name": "B", "actions": [cb(inputs=["src", "s2"])]},
            ]
        ),
        pipe(
            [
                {
                    "name": "Source",
                    "actions": [SRC, {**SRC, "name": "Src2", "outputArtifacts": [{"name": "s2"}]}],
                },
                {
                    "name": "B",
                    "actions": [
                        cb(
                            inputs=["src", "s2"],
                            config={"ProjectName": "p", "PrimarySource": "src"},
                        )
                    ],
                },
            ]
        ),
        {},
    ),
    "PL029": (
        "pipeline",
        two(
            [
                {
                    **CFN_STACK,
                    "configuration": {
                        **CFN_STACK["configuration"],
                        "ActionMode": "CHANGE_SET_REPLACE",
                    },
                }
            ]
        ),
        two([CFN_STACK]),
        {},
    ),
    "PL030": (
        "pipeline",
        two(
            [
                action(
                    "D",
                    "Deploy",
                    "CodeDeployToECS",
                    inputs=["src"],
                    config={
                        "ApplicationName": "a",
                        "DeploymentGroupName": "g",
                        "TaskDefinitionTemplateArtifact": "build",
                        "AppSpecTemplateArtifact": "src",
                    },
                )
            ]
        ),
        two(
            [
                action(
                    "D",
                    "Deploy",
                    "CodeDeployToECS",
                    inputs=["src"],
                    config={
                        "ApplicationName": "a",
                        "DeploymentGroupName": "g",
                        "TaskDefinitionTemplateArtifact": "src",
                        "AppSpecTemplateArtifact": "src",
                    },
                )
            ]
        ),
        {},
    ),
    "PL031": (
        "pipeline",
        two(
            [
                action(
                    "D",
                    "Deploy",
                    "S3",
                    inputs=["src"],
                    config={"BucketName": "b", "Extract": "false"},
                )
            ]
        ),
        two(
            [
                action(
                    "D",
                    "Deploy",
                    "S3",
                    inputs=["src"],
                    config={"BucketName": "b", "Extract": "false", "ObjectKey": "a.zip"},
                )
            ]
        ),
        {},
    ),
    "PL032": ("pipeline", pipe(executionMode="FIFO"), pipe(executionMode="SUPERSEDED"), {}),
    "PL033": (
        "pipeline",
        two(
            [{**CFN_STACK, "configuration": {**CFN_STACK["configuration"], "RoleArn": "cfn-role"}}]
        ),
        two([CFN_STACK]),
        {},
    ),
    "PL034": ("pipeline", {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}, pipe(), {}),
    "PL035": (
        "pipeline",
        pipe([{"name": "Source", "actions": [SRC]}, {"name": "Empty", "actions": []}]),
        pipe(),
        {},
    ),
    "PL037": (
        "pipeline",
        two([cb(config={"ProjectName": "p", "EnvironmentVariables": "#{SourceVars.CommitID}"})]),
        two(
            [
                cb(
                    config={
                        "ProjectName": "p",
                        "EnvironmentVariables": "#{SourceVars.CommitId} #{codepipeline.PipelineExecutionId}",
                    }
                )
            ]
        ),
        {"src_namespace": "SourceVars"},
    ),
    "PL036": ("pipeline", pipe(name="<PIPELINE_NAME>"), pipe(), {}),
    # templates
    "TP001": (
        "template",
        SAM.format(t="Canary10Percent5Minute"),
        SAM.format(t="Canary10Percent5Minutes"),
        {},
    ),
    # over the template budget (generated resources): refused before cfn-lint runs
    "TP003": (
        "template",
        {"Resources": {f"T{n}": {"Type": "AWS::SNS::Topic"} for n in range(300)}},
        {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}},
        {},
    ),
}
