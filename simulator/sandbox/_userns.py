"""A user namespace with two identities (root and the build user), made by the root host.

bubblewrap run by an unprivileged user can map only that one uid. Root on the host can write
a uid map with two lines: sandbox uid 0 -> host uid H, sandbox uid 1000 -> host uid H+1, both
fresh and unprivileged on the host. bwrap (run as H, the namespace's owner) joins it with
--userns. Nothing changes outside: H and H+1 own nothing on the host but the session's files.
"""

from __future__ import annotations

import ctypes
import os

from simulator.sandbox._bwrap import SANDBOX_UID

_CLONE_NEWUSER = 0x10000000
_libc = ctypes.CDLL(None, use_errno=True)


def make_userns(root_uid: int, user_uid: int) -> int:
    """An fd of a new user namespace owned by root_uid, mapping 0 and SANDBOX_UID (root only).

    Nested user namespaces are refused inside it (user.max_user_namespaces = 0, set by the
    owner from inside), as bwrap's --disable-userns does for namespaces it creates itself.
    """
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(ready_r)
            os.close(go_w)
            os.setgroups([])
            os.setresgid(root_uid, root_uid, root_uid)
            os.setresuid(root_uid, root_uid, root_uid)
            if _libc.unshare(_CLONE_NEWUSER) != 0:
                os._exit(2)
            os.write(ready_w, b"1")
            os.read(go_r, 1)  # the parent has written the maps
            with open("/proc/sys/user/max_user_namespaces", "w") as handle:
                handle.write("0\n")
            os.write(ready_w, b"2")
            os._exit(0)
        except BaseException:
            os._exit(3)
    os.close(ready_w)
    os.close(go_r)
    try:
        if os.read(ready_r, 1) != b"1":
            raise OSError("the user namespace could not be created")
        mapping = f"0 {root_uid} 1\n{SANDBOX_UID} {user_uid} 1\n"
        with open(f"/proc/{pid}/uid_map", "w") as handle:
            handle.write(mapping)
        with open(f"/proc/{pid}/gid_map", "w") as handle:
            handle.write(mapping)
        fd = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
        os.write(go_w, b"1")
        if os.read(ready_r, 1) != b"2":
            os.close(fd)
            raise OSError("nested user namespaces could not be switched off")
        return fd
    finally:
        os.close(ready_r)
        os.close(go_w)
        os.waitpid(pid, 0)
