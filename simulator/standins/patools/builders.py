"""Offline `pip`, `mvn` and `gradle`: they check their inputs and write believable output.

`sam` lives in its own modules (`patools/sam*.py`).
"""

from __future__ import annotations

import re
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
    # fail() exits; mypy cannot see it (patools is imported by its in-sandbox name, unresolved).
    assert artifact and version
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
