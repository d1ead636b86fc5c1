"""The real AWS CLI for the sandbox: its packages in a root-owned, read-only, world-readable dir.

The sandbox runs the system /usr/bin/python3 (same minor version as the venv), and bwrap's
unprivileged uid may not be able to traverse the path of the venv. So the packages the CLI
imports are hard-linked (copied across file systems) once per awscli version into a directory
under the temp dir, bound read-only at /codebuild/pa/python. Hard links share the venv's
byte-compiled files, so the sandbox never compiles (it could not write them anyway).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

SANDBOX_PYTHON_DIR = "/codebuild/pa/python"
# Top-level names the CLI imports (awscli vendors botocore and s3transfer inside itself).
PACKAGES = (
    "awscli",
    "jmespath",
    "dateutil",
    "six.py",
    "urllib3",
    "yaml",
    "_yaml",
    "colorama",
    "docutils",
    "rsa",
    "pyasn1",
)
_lock = threading.Lock()


def _site_packages() -> Path:
    import awscli

    return Path(awscli.__file__).resolve().parent.parent


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def cli_dir() -> Path:
    """The directory to bind at /codebuild/pa/python (built on first use)."""
    version = importlib.metadata.version("awscli")
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    target = Path(tempfile.gettempdir()) / f"pa-awscli-{version}-{tag}"
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
        # Directories read-only for everyone; the files are the venv's own inodes (already
        # world-readable), so their modes are left as they are.
        for dirpath, _dirnames, _filenames in os.walk(staging):
            os.chmod(dirpath, 0o555)  # noqa: S103 - read-only for all is the point
        try:
            staging.rename(target)
        except OSError:  # another process won the race: use its copy
            shutil.rmtree(staging, ignore_errors=True)
    return target
