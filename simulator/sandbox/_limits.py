"""Resource limits applied to every sandboxed run."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one sandboxed session may use; every field is enforced (see sandbox/_session.py)."""

    wall_seconds: float = 600.0  # whole session (a CodeBuild build timeout)
    cpu_seconds: int = 600  # per process (RLIMIT_CPU)
    memory_bytes: int = 2048 * MIB  # address space per process (RLIMIT_AS); node and python fit
    total_memory_bytes: int = 4096 * MIB  # resident memory of all processes, polled (root only)
    processes: int = 128  # processes of the sandbox's own host uid (RLIMIT_NPROC)
    file_size_bytes: int = 256 * MIB  # largest single file (RLIMIT_FSIZE)
    disk_bytes: int = 1024 * MIB  # total size of the work tree, polled while commands run
    disk_entries: int = 50_000  # files and directories in the work tree
    output_bytes: int = 16 * MIB  # stdout + stderr read from the session
    open_files: int = 256  # RLIMIT_NOFILE
    tmp_bytes: int = 256 * MIB  # size of the tmpfs at /tmp and at $HOME

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value <= 0:
                raise ValueError(f"sandbox limit {name} must be positive, got {value!r}")
