"""CodeBuild standard images and the runtime versions each one offers (fact sheet section 2.5)."""

from __future__ import annotations

DEFAULT_IMAGE = "aws/codebuild/standard:7.0"
"""Assumed when no --image is given: the current Ubuntu standard image."""

_JAVA_ALL = ("corretto25", "corretto21", "corretto17", "corretto11", "corretto8")
_NEW: dict[str, tuple[str, ...]] = {
    "java": _JAVA_ALL,
    "python": ("3.14", "3.13", "3.12", "3.11", "3.10", "3.9"),
    "nodejs": ("24", "22", "20", "18"),
    "ruby": ("4.0", "3.4", "3.3", "3.2", "3.1"),
    "php": ("8.5", "8.4", "8.3", "8.2"),
    "golang": ("1.26", "1.25", "1.24", "1.23", "1.22", "1.21", "1.20"),
    "dotnet": ("10.0", "8.0", "6.0"),
}
_NEWEST: dict[str, tuple[str, ...]] = {
    "java": _JAVA_ALL,
    "python": ("3.14", "3.13", "3.12", "3.11", "3.10"),
    "nodejs": ("24", "22"),
    "ruby": ("4.0", "3.4", "3.3"),
    "php": ("8.5", "8.4", "8.3", "8.2"),
    "golang": ("1.26", "1.25", "1.24"),
    "dotnet": ("10.0", "8.0"),
    "rust": ("1.93",),
}
_V6: dict[str, tuple[str, ...]] = {
    "java": ("corretto17",),
    "python": ("3.10",),
    "nodejs": ("16",),
    "ruby": ("3.1",),
    "php": ("8.1",),
    "golang": ("1.18",),
    "dotnet": ("6.0",),
}
_V5: dict[str, tuple[str, ...]] = {
    "java": ("corretto8", "corretto11"),
    "python": ("3.7", "3.8", "3.9"),
    "nodejs": ("12", "14"),
    "ruby": ("2.6", "2.7"),
    "php": ("7.3", "7.4", "8.0"),
    "golang": ("1.15", "1.16"),
    "dotnet": ("3.1", "5.0"),
}
_AL2_4: dict[str, tuple[str, ...]] = {
    "java": ("corretto17",),
    "python": ("3.9",),
    "nodejs": ("16",),
    "ruby": ("3.1",),
    "php": ("8.1",),
    "golang": ("1.18",),
    "dotnet": ("6.0",),
    "docker": ("20",),
}
_ARM_3: dict[str, tuple[str, ...]] = {
    **_NEW,
    "php": ("8.5", "8.4", "8.3", "8.2", "8.1"),
    "rust": ("1.94",),
    "docker": ("23",),
}
_WIN_1: dict[str, tuple[str, ...]] = {
    "dotnet": ("3.1",),
    "golang": ("1.14",),
    "nodejs": ("12.18",),
    "java": ("corretto11",),
    "php": ("7.4",),
    "powershell": ("7.0",),
    "python": ("3.8",),
    "ruby": ("2.7",),
}
_WIN_2: dict[str, tuple[str, ...]] = {
    "dotnet": ("3.1",),
    "golang": ("1.18",),
    "nodejs": ("16.15",),
    "java": ("corretto11", "corretto17"),
    "php": ("8.1",),
    "powershell": ("7.2",),
    "python": ("3.10",),
    "ruby": ("3.1",),
}

IMAGES: dict[str, dict[str, tuple[str, ...]]] = {
    "aws/codebuild/standard:7.0": _NEW,
    "aws/codebuild/amazonlinux2-x86_64-standard:5.0": _NEW,
    "aws/codebuild/amazonlinux-x86_64-standard:5.0": _NEW,
    "aws/codebuild/standard:8.0": _NEWEST,
    "aws/codebuild/amazonlinux-x86_64-standard:6.0": _NEWEST,
    "aws/codebuild/standard:6.0": _V6,
    "aws/codebuild/standard:5.0": _V5,
    "aws/codebuild/amazonlinux2-x86_64-standard:4.0": _AL2_4,
    "aws/codebuild/amazonlinux-x86_64-standard:4.0": _AL2_4,
    "aws/codebuild/amazonlinux-aarch64-standard:3.0": _ARM_3,
    "aws/codebuild/amazonlinux2-aarch64-standard:3.0": _ARM_3,
    "aws/codebuild/windows-base:2019-1.0": _WIN_1,
    "aws/codebuild/windows-base:2019-2.0": _WIN_2,
}

NO_RUNTIME_VERSIONS = (
    "aws/codebuild/standard:1.0",
    "aws/codebuild/standard:2.0",
    "aws/codebuild/standard:3.0",
    "aws/codebuild/standard:4.0",
    "aws/codebuild/amazonlinux2-x86_64-standard:1.0",
    "aws/codebuild/amazonlinux2-x86_64-standard:2.0",
    "aws/codebuild/amazonlinux2-x86_64-standard:3.0",
)
"""Images the current docs do not list as supporting runtime-versions (Ubuntu < 5.0, AL2 < 4.0)."""

KNOWN_RUNTIMES = frozenset(name for table in IMAGES.values() for name in table) | {
    "android",
    "docker",
    "php",
    "rust",
}


def normalise_image(name: str) -> str:
    """`standard:7.0` -> `aws/codebuild/standard:7.0`."""
    name = name.strip()
    return name if "/" in name else f"aws/codebuild/{name}"


def version_available(requested: str, offered: tuple[str, ...]) -> bool:
    """Does an image offer `requested` (exact, `18.x`, `3`, `latest` or `$VAR`)?"""
    if requested == "latest" or requested.startswith("$"):
        return True
    wanted = requested[:-2] if requested.endswith(".x") else requested
    return any(v == wanted or v.startswith(wanted + ".") for v in offered)
