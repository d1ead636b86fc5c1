"""Offline `pip`, `mvn`, `gradle` and `sam`: they check their inputs and write believable output."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from patools.common import fail, options

_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*((==|>=|<=|~=|!=|>|<)\s*[^\s;#]+\s*,?\s*)*(;.*)?$"
)


def pip(argv: list[str]) -> int:
    if argv and argv[0] in ("--version", "-V"):
        print("pip 24.0 from /usr/lib/python3/dist-packages/pip (python 3.11) (simulated)")
        return 0
    if not argv or argv[0] != "install":
        fail(
            "ERROR: the simulator's pip supports `pip install -r FILE`, `pip install .` and "
            "`pip --version`",
            2,
        )
    opts, positional = options(
        argv[1:], ("upgrade", "U", "user", "q", "quiet", "no-cache-dir", "e", "editable")
    )
    wanted: list[str] = []
    req = opts.get("r") or opts.get("requirement")
    if isinstance(req, str):
        path = Path(req)
        if not path.is_file():
            fail(
                f"ERROR: Could not open requirements file: [Errno 2] No such file or directory: "
                f"'{req}'"
            )
        for number, raw in enumerate(path.read_text().splitlines(), start=1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith(("#", "-")):
                continue
            if not _REQUIREMENT.match(line):
                fail(f"ERROR: Invalid requirement: '{line}' ({req} (line {number}))")
            wanted.append(re.split(r"[\[<>=!~;\s]", line, maxsplit=1)[0])
    for item in positional:
        if item == ".":
            if not (Path("setup.py").is_file() or Path("pyproject.toml").is_file()):
                fail(
                    "ERROR: Directory '.' is not installable. Neither 'setup.py' nor "
                    "'pyproject.toml' found."
                )
            wanted.append(Path.cwd().name)
        else:
            wanted.append(item)
    for name in wanted:
        print(f"Collecting {name}\n  Using cached {name}-1.0.0-py3-none-any.whl")
    if wanted:
        print("Installing collected packages: " + ", ".join(wanted))
        print("Successfully installed " + " ".join(f"{n}-1.0.0" for n in wanted))
    return 0


def _jar(path: Path, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "META-INF/MANIFEST.MF", f"Manifest-Version: 1.0\nImplementation-Title: {name}\n"
        )


def mvn(argv: list[str]) -> int:
    if "-v" in argv or "--version" in argv:
        print("Apache Maven 3.9.6 (simulated)\nJava version: 21.0.2, vendor: Amazon.com Inc.")
        return 0
    pom = Path("pom.xml")
    if not pom.is_file():
        fail(
            "[ERROR] The goal you specified requires a project to execute but there is no POM "
            f"in this directory ({Path.cwd()}). Please verify you invoked Maven from the correct "
            "directory. -> [Help 1]"
        )
    text = pom.read_text()
    body = re.sub(
        r"<parent>.*?</parent>|<dependencies>.*?</dependencies>|<build>.*?</build>",
        "",
        text,
        flags=re.S,
    )
    artifact = re.search(r"<artifactId>\s*([^<\s]+)\s*</artifactId>", body)
    version = re.search(r"<version>\s*([^<\s]+)\s*</version>", body)
    if not artifact or not version or "<project" not in text:
        fail(
            "[ERROR] Non-parseable POM pom.xml: <project> with <artifactId> and <version> is "
            "required"
        )
    packaging = re.search(r"<packaging>\s*([^<\s]+)\s*</packaging>", body)
    kind = packaging.group(1) if packaging else "jar"
    goals = [a for a in argv if not a.startswith("-")]
    print(
        f"[INFO] Scanning for projects...\n[INFO] Building {artifact.group(1)} "
        f"{version.group(1)}\n[INFO]   from pom.xml"
    )
    if any(g in ("package", "install", "verify", "deploy") for g in goals):
        target = Path("target") / f"{artifact.group(1)}-{version.group(1)}.{kind}"
        _jar(target, artifact.group(1))
        print(f"[INFO] Building {kind}: {target.resolve()}")
    print("[INFO] ------------------------------------------------------------------------")
    print("[INFO] BUILD SUCCESS")
    print("[INFO] ------------------------------------------------------------------------")
    return 0


def gradle(argv: list[str]) -> int:
    if "--version" in argv or "-v" in argv:
        print("Gradle 8.7 (simulated)")
        return 0
    script = next(
        (p for p in (Path("build.gradle"), Path("build.gradle.kts")) if p.is_file()), None
    )
    tasks = [a for a in argv if not a.startswith("-")]
    if script is None:
        fail(
            f"FAILURE: Build failed with an exception.\n\n* What went wrong:\nDirectory "
            f"'{Path.cwd()}' does not contain a Gradle build."
        )
    if any(t in ("build", "assemble", "jar", "bootJar") for t in tasks):
        _jar(Path("build") / "libs" / f"{Path.cwd().name}.jar", Path.cwd().name)
    for task in tasks:
        print(f"> Task :{task}")
    print("\nBUILD SUCCESSFUL in 1s")
    return 0


def _template() -> Path:
    for name in ("template.yaml", "template.yml"):
        if Path(name).is_file():
            return Path(name)
    fail("Error: Template file not found at template.yaml", 1)


def sam(argv: list[str]) -> int:
    if not argv or argv[0] == "--version":
        print("SAM CLI, version 1.120.0 (simulated)")
        return 0
    command, rest = argv[0], argv[1:]
    opts, _ = options(
        rest,
        (
            "guided",
            "no-confirm-changeset",
            "no-fail-on-empty-changeset",
            "resolve-s3",
            "use-container",
        ),
    )
    if command == "build":
        template = Path(str(opts.get("template-file") or opts.get("t") or _template()))
        if not template.is_file():
            fail(f"Error: Template file not found at {template}")
        out = Path(".aws-sam/build")
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, out / "template.yaml")
        print(
            "\nBuild Succeeded\n\nBuilt Artifacts  : .aws-sam/build\nBuilt Template   : "
            ".aws-sam/build/template.yaml"
        )
        return 0
    if command == "package":
        template = Path(
            str(
                opts.get("template-file")
                or opts.get("t")
                or (
                    Path(".aws-sam/build/template.yaml")
                    if Path(".aws-sam/build/template.yaml").is_file()
                    else _template()
                )
            )
        )
        bucket = opts.get("s3-bucket")
        if not isinstance(bucket, str):
            fail("Error: Missing option '--s3-bucket' (or use --resolve-s3)", 2)
        # The upload goes through the account like any `aws` call (the host validates it).
        out = opts.get("output-template-file")
        argv = [
            "cloudformation",
            "package",
            "--template-file",
            str(template),
            "--s3-bucket",
            bucket,
        ]
        if isinstance(out, str):
            argv += ["--output-template-file", out]
        return _aws(argv)
    if command == "deploy":
        stack = opts.get("stack-name")
        template = Path(
            str(
                opts.get("template-file")
                or opts.get("t")
                or (
                    Path(".aws-sam/build/template.yaml")
                    if Path(".aws-sam/build/template.yaml").is_file()
                    else _template()
                )
            )
        )
        if not isinstance(stack, str):
            fail("Error: Missing option '--stack-name'", 2)
        overrides = opts.get("parameter-overrides") or []
        overrides = [overrides] if isinstance(overrides, str) else overrides
        caps = opts.get("capabilities") or []
        caps = [caps] if isinstance(caps, str) else caps
        argv = ["cloudformation", "deploy", "--template-file", str(template), "--stack-name", stack]
        if overrides:
            argv += ["--parameter-overrides", *overrides]
        if caps:
            argv += ["--capabilities", *caps]
        return _aws(argv)
    fail(f"Error: the simulator's sam supports build, package and deploy, not '{command}'", 2)


def _aws(argv: list[str]) -> int:
    """Run the real AWS CLI (our `aws`) in this process's stdio; its exit code."""
    import subprocess

    return subprocess.call(["/codebuild/pa/tools/bin/aws", *argv])
