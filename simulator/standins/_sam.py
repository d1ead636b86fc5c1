"""Host side of the SAM stand-in: boto3 and aws-sam-translator, read-only, for the sandbox.

The build image of a SAM lab carries what the real SAM CLI brings with it: the translator
(`sam deploy` turns the template into plain CloudFormation with it, as `sam validate` and the
CloudFormation transform do) and boto3 (a handler run by `sam local invoke` talks to the
simulated account with it). The packages are hard-linked once per version into a root-owned
directory under the temp dir and bound read-only at SANDBOX_SAM_DIR, next to the AWS CLI's.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from simulator.sandbox import Mount

SANDBOX_SAM_DIR = "/codebuild/pa/sam"
# Top-level names boto3 and the translator import (urllib3, dateutil, jmespath, yaml and six
# come from the AWS CLI's directory, which every build already mounts).
PACKAGES = (
    "boto3",
    "botocore",
    "s3transfer",
    "samtranslator",
    "pydantic",
    "pydantic_core",
    "typing_extensions.py",
    "annotated_types",
    "typing_inspection",
    "jsonschema",
    "jsonschema_specifications",
    "referencing",
    "rpds",
    "attrs",
    "attr",
)
_lock = threading.Lock()


def _site_packages() -> Path:
    import samtranslator

    return Path(samtranslator.__file__).resolve().parent.parent


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system: a copy does the same job
        shutil.copy2(src, dst)


def sam_python_dir() -> Path:
    """The directory bound at SANDBOX_SAM_DIR (built on first use, then reused)."""
    version = importlib.metadata.version("aws-sam-translator")
    boto = importlib.metadata.version("boto3")
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    target = Path(tempfile.gettempdir()) / f"pa-sam-{version}-boto3-{boto}-{tag}"
    if (target / ".complete").is_file():
        return target
    with _lock:
        if (target / ".complete").is_file():
            return target
        site = _site_packages()
        staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
        for name in PACKAGES:
            src = site / name
            if src.is_dir():
                shutil.copytree(src, staging / name, copy_function=_link_or_copy, symlinks=False)
            elif src.is_file():
                _link_or_copy(str(src), str(staging / name))
        (staging / ".complete").write_text(version)
        # Read-only for everyone: the sandbox's user may read and import, never change.
        for dirpath, _dirnames, _filenames in os.walk(staging):
            os.chmod(dirpath, 0o555)  # noqa: S103 - read-only for all is the point
        try:
            staging.rename(target)
        except OSError:  # another process won the race: use its copy
            shutil.rmtree(staging, ignore_errors=True)
    return target


def sam_mounts() -> list[Mount]:
    """The extra mounts of a build whose image has the SAM CLI."""
    return [Mount(sam_python_dir(), SANDBOX_SAM_DIR)]


def with_sam(factory: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """A build session factory that adds the SAM mounts to whatever the build mounts."""
    from simulator.sandbox import ShellSession

    inner = factory or ShellSession

    def make(*args: Any, mounts: Sequence[Mount] = (), **kwargs: Any) -> Any:
        return inner(*args, mounts=[*mounts, *sam_mounts()], **kwargs)

    return make
