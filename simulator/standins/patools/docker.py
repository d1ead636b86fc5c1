"""`docker`: login, build, tag, push, images and pull against the simulated ECR (no daemon)."""

from __future__ import annotations

import binascii
import sys

from patools.common import docker_state, fail, options, record, save_docker_state, sha256, world

_FLAGS = ("password-stdin", "no-cache", "pull", "q", "quiet", "rm", "all-tags", "a")


def _split_ref(ref: str) -> tuple[str, str]:
    """('registry/name', 'tag') with docker's default tag `latest`."""
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = ref.rsplit(":", 1)
    return name, tag


def _short(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


def login(args: list[str]) -> int:
    opts, positional = options(args, _FLAGS)
    registry = positional[0] if positional else "docker.io"
    registry = registry.removeprefix("https://").split("/", 1)[0]
    if opts.get("password-stdin"):
        password = sys.stdin.read().strip()
    else:
        password = str(opts.get("password") or opts.get("p") or "")
        print(
            "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
            file=sys.stderr,
        )
    w = world()
    ok = False
    if password.startswith("PAECR."):
        try:
            account, region = binascii.a2b_base64(password[6:]).decode().split(":")
            expected = f"{account}.dkr.ecr.{region}.amazonaws.com"
            ok = registry == expected and opts.get("username", "AWS") == "AWS"
        except (ValueError, KeyError, TypeError):
            ok = False
    if registry.endswith(".amazonaws.com") and ".dkr.ecr." not in registry:
        ok = False
    if not ok:
        if registry.endswith(".amazonaws.com"):
            fail(
                f"Error response from daemon: login attempt to https://{registry}/v2/ failed "
                "with status: 400 Bad Request"
            )
        fail(
            f'Error response from daemon: Get "https://{registry}/v2/": dial tcp: lookup '
            f"{registry}: no such host (the sandbox has no network)"
        )
    state = docker_state()
    state["auths"][registry] = True
    save_docker_state(state)
    record("docker.login", registry=registry, account=w["account"])
    print(
        "WARNING! Your password will be stored unencrypted in /root/.docker/config.json.",
        file=sys.stderr,
    )
    print("Login Succeeded")
    return 0


def build(args: list[str]) -> int:
    from pathlib import Path

    opts, positional = options(args, _FLAGS)
    context = Path(positional[-1] if positional else ".")
    dockerfile = Path(str(opts.get("file") or opts.get("f") or context / "Dockerfile"))
    tags = opts.get("tag") or opts.get("t") or []
    tags = [tags] if isinstance(tags, str) else tags
    if not context.is_dir():
        fail(f'unable to prepare context: path "{context}" not found')
    if not dockerfile.is_file():
        fail(
            "ERROR: failed to solve: failed to read dockerfile: open Dockerfile: "
            "no such file or directory"
        )
    instructions = [
        line.strip()
        for line in dockerfile.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    if not instructions or not instructions[0].upper().startswith(("FROM", "ARG")):
        fail("ERROR: failed to solve: dockerfile parse error: no FROM instruction at the start")
    files = sorted(p for p in context.rglob("*") if p.is_file() and "node_modules" not in p.parts)
    digest = sha256()
    for path in files[:2000]:
        digest.update(str(path.relative_to(context)).encode())
        digest.update(sha256(path.read_bytes()).digest())
    image_id = "sha256:" + digest.hexdigest()
    size = sum(p.stat().st_size for p in files[:2000])
    print(f"Sending build context to Docker daemon  {size / 1024:.2f}kB")
    for number, line in enumerate(instructions, start=1):
        print(f"Step {number}/{len(instructions)} : {line}")
        step = sha256(f"{image_id}{number}".encode()).hexdigest()[:12]
        word = line.split(None, 1)[0].upper()
        if word in ("COPY", "ADD"):
            sources = line.split()[1:-1]
            for source in sources:
                if source.startswith("--") or source.strip("./") == "":
                    continue
                if not any(context.glob(source.lstrip("/"))):
                    fail(
                        f"COPY failed: file not found in build context or excluded by "
                        f".dockerignore: stat {source}: file does not exist"
                    )
        print(f" ---> {step}")
    print(f"Successfully built {_short(image_id)}")
    state = docker_state()
    for tag in tags:
        name, version = _split_ref(tag)
        state["images"][f"{name}:{version}"] = image_id
        print(f"Successfully tagged {name}:{version}")
    save_docker_state(state)
    return 0


def tag(args: list[str]) -> int:
    if len(args) != 2:
        fail('"docker tag" requires exactly 2 arguments.')
    state = docker_state()
    source = "{}:{}".format(*_split_ref(args[0]))
    if source not in state["images"]:
        fail(f"Error response from daemon: No such image: {source}")
    state["images"]["{}:{}".format(*_split_ref(args[1]))] = state["images"][source]
    save_docker_state(state)
    return 0


def push(args: list[str]) -> int:
    _opts, positional = options(args, _FLAGS)
    if len(positional) != 1:
        fail('"docker push" requires exactly 1 argument.')
    name, version = _split_ref(positional[0])
    ref = f"{name}:{version}"
    state = docker_state()
    if ref not in state["images"]:
        fail(f"An image does not exist locally with the tag: {name}")
    registry = name.split("/", 1)[0] if "/" in name else "docker.io"
    repo_name = name.split("/", 1)[1] if "/" in name else name
    print(f"The push refers to repository [{name}]")
    if registry not in state["auths"]:
        fail("no basic auth credentials")
    w = world()
    repo = w["ecr"].get(repo_name)
    expected = f"{repo['account']}.dkr.ecr.{w['region']}.amazonaws.com" if repo else None
    if repo is None or registry != expected:
        account = registry.split(".", 1)[0]
        fail(
            f"name unknown: The repository with name '{repo_name}' does not exist in the "
            f"registry with id '{account}'"
        )
    image_id = state["images"][ref]
    digest = "sha256:" + sha256(f"{image_id}{repo_name}".encode()).hexdigest()
    for layer in range(3):
        print(f"{sha256(f'{image_id}{layer}'.encode()).hexdigest()[:12]}: Pushed")
    print(f"{version}: digest: {digest} size: 1574")
    record("ecr.push", repository=repo_name, tag=version, digest=digest)
    return 0


def images(args: list[str]) -> int:
    state = docker_state()
    print(f"{'REPOSITORY':<60} {'TAG':<20} {'IMAGE ID':<14} {'CREATED':<15} SIZE")
    for ref, image_id in sorted(state["images"].items()):
        name, version = ref.rsplit(":", 1)
        print(f"{name:<60} {version:<20} {_short(image_id):<14} {'1 second ago':<15} 120MB")
    return 0


def pull(args: list[str]) -> int:
    _opts, positional = options(args, _FLAGS)
    if len(positional) != 1:
        fail('"docker pull" requires exactly 1 argument.')
    name, version = _split_ref(positional[0])
    w = world()
    repo_name = name.split("/", 1)[1] if "/" in name else name
    repo = w["ecr"].get(repo_name)
    if "/" in name and repo and any(version in i["tags"] for i in repo["images"]):
        state = docker_state()
        if name.split("/", 1)[0] not in state["auths"]:
            fail("Error response from daemon: Head: no basic auth credentials")
        state["images"][f"{name}:{version}"] = "sha256:" + sha256(name.encode()).hexdigest()
        save_docker_state(state)
        print(
            f"{version}: Pulling from {repo_name}\n"
            f"Status: Downloaded newer image for {name}:{version}"
        )
        return 0
    fail(
        f'Error response from daemon: Get "https://{name.split("/", 1)[0]}/v2/": dial tcp: '
        "lookup: no such host (the sandbox has no network; only images in the simulated ECR "
        "can be pulled)"
    )


COMMANDS = {
    "login": login,
    "build": build,
    "tag": tag,
    "push": push,
    "images": images,
    "pull": pull,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("--help", "help"):
        print("Usage:  docker [OPTIONS] COMMAND\n\nSimulated commands: " + ", ".join(COMMANDS))
        return 0
    if argv[0] == "--version":
        print("Docker version 26.1.4, build 5650f9b (simulated)")
        return 0
    command = argv[0]
    if command == "image" and len(argv) > 1 and argv[1] in ("build", "tag", "push", "ls"):
        command = "images" if argv[1] == "ls" else argv[1]
        argv = argv[1:]
    if command not in COMMANDS:
        if command in ("run", "exec", "compose", "buildx", "start", "create"):
            fail(
                f"docker: '{command}' cannot run in the simulator: there is no container "
                f"runtime (simulated commands: {', '.join(COMMANDS)})",
                125,
            )
        fail(f"docker: '{command}' is not a docker command.\nSee 'docker --help'")
    return COMMANDS[command](argv[1:])
