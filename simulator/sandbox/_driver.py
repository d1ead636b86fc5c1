"""The command driver that runs as process 1 inside the sandbox (stdlib only, no simulator import).

The host starts it as `/usr/bin/python3 -I -S -c <this source> CMD_FD STATUS_FD START_DIR`.
It is the only process holding the command and status pipes; it makes itself non-dumpable, so
processes of the same uid cannot open /proc/1/fd/* or ptrace it, and as process 1 of the PID
namespace it ignores every signal sent from inside (SIGKILL included). For each command it
spawns a fresh `bash -c` that holds no driver descriptor, restores the shell state the previous
command left (variables, functions, working directory, options), runs the command, and dumps
the state again. The exit status comes from waitpid, never from anything the command writes.
The dumped state is learner data: it is parsed here, and the next restore script is generated
from the parsed values (quoted by us), so a forged dump can only change the learner's own shell.
"""

from __future__ import annotations

import os
import sys

BASH = "/bin/bash"
SH = "/bin/sh"
STATE_DIR = "/codebuild/output/tmp"
STATE_FILE = f"{STATE_DIR}/.shell-state"
MAX_STATE_BYTES = 8 * 1024 * 1024
MAX_COMMAND_BYTES = 96 * 1024  # the command travels as part of `bash -c` (argv limit 128 KiB)
_PR_GET_DUMPABLE = 3
_PR_SET_DUMPABLE = 4
_PR_CAPBSET_DROP = 24
_PR_SET_SECUREBITS = 28
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_SECBIT_NOROOT = 1 | 2  # NOROOT and NOROOT_LOCKED
BUILD_USER_UID = 1000
_MFD_CLOEXEC = 1
_MFD_ALLOW_SEALING = 2
_F_ADD_SEALS = 1033
_SEALS = 1 | 2 | 4 | 8  # seal, shrink, grow, write


def _words(text: str) -> list[str]:
    return text.split()


# Variables bash manages itself (or that belong to this driver): never restored.
_SKIP_VARS = frozenset(
    _words(
        "BASH BASHOPTS BASHPID BASH_ALIASES BASH_ARGC BASH_ARGV BASH_ARGV0 BASH_CMDS "
        "BASH_COMMAND BASH_EXECUTION_STRING BASH_LINENO BASH_REMATCH BASH_SOURCE BASH_SUBSHELL "
        "BASH_VERSINFO BASH_VERSION COLUMNS COMP_WORDBREAKS DIRSTACK EPOCHREALTIME EPOCHSECONDS "
        "EUID FUNCNAME GROUPS HISTCMD HOSTNAME HOSTTYPE LINENO LINES MACHTYPE OPTERR OSTYPE "
        "PIPESTATUS PPID PWD POSIXLY_CORRECT RANDOM SECONDS SHELLOPTS SHLVL SRANDOM UID _"
    )
)
_VAR_FLAGS = frozenset("aAilnrtux")
# `set -o` and `shopt` options a later command inherits; the rest keep bash's defaults
# (noexec or onecmd would stop every later command from running at all).
_SET_OPTIONS = _words(
    "allexport braceexpand errexit errtrace functrace hashall keyword noclobber noglob "
    "notify nounset physical pipefail posix verbose xtrace"
)
_SHOPT_OPTIONS = _words(
    "cdable_vars checkhash dotglob execfail expand_aliases extglob extquote failglob "
    "globasciiranges globstar inherit_errexit lastpipe nocaseglob nocasematch nullglob "
    "shift_verbose xpg_echo"
)
_SET_DEFAULT = {"braceexpand", "hashall"}
_SHOPT_DEFAULT = {"extquote", "globasciiranges"}
# Functions may not take these names: the restore and dump steps call them, and a function of
# the same name from an earlier command would otherwise run in their place.
_RESERVED = frozenset(
    _words(
        ". : [ alias bg bind break builtin caller case cd command compgen complete compopt "
        "continue coproc declare dirs disown do done echo elif else enable esac eval exec exit "
        "export false fc fg fi for function getopts hash help history if in jobs kill let local "
        "logout mapfile popd printf pushd pwd read readarray readonly return select set shift "
        "shopt source suspend test then time times trap true type typeset ulimit umask unalias "
        "unset until wait while"
    )
)

# The -c text of every command. `eval` keeps a syntax error a failure of this command only;
# the epilogue runs in POSIX mode (an assignment, so no function can intercept it), where
# `trap` and `exit` are found before functions: an EXIT trap or an `exit` function set by the
# command cannot rewrite the status captured right after it.
_WRAPPER = (
    ". /dev/fd/3; exec 3<&-; eval {command}\n"
    "{{ __pa_st=$? __pa_f=$- __pa_o=$SHELLOPTS; set +xv\n"
    "POSIXLY_CORRECT=1\n"
    "trap - EXIT ERR DEBUG RETURN\n"
    '{{ printf \'%s\\0\' "$PWD" "$__pa_o" "$BASHOPTS" "$__pa_f"; umask; printf \'\\0\'; '
    "declare -p; printf '\\0'; declare -F; printf '\\0'; declare -f; }} "
    f">| {STATE_FILE}\n"
    'exit "$__pa_st"; }} 2>/dev/null\n'
)


# `env.shell: sh` (dash, as /bin/sh on the Linux images): POSIX only. dash has no `declare`:
# the dump is `set` and `export -p` (NAME='value' lines); functions are not carried. `trap`,
# `exit`, `set`, `export` and `.` are special builtins, found before any function.
_SH_WRAPPER = (
    ". /dev/fd/3; exec 3<&-; eval {command}\n"
    "{{ __pa_st=$? __pa_f=$-; set +xv\n"
    "trap - EXIT INT TERM HUP QUIT\n"
    "{{ printf '%s\\0' \"$PWD\" \"$__pa_f\"; umask; printf '\\0'; set; printf '\\0'; export -p; }} "
    f">| {STATE_FILE}\n"
    'exit "$__pa_st"; }} 2>/dev/null\n'
)
_SH_FLAGS = {"e": "errexit", "u": "nounset", "f": "noglob", "C": "noclobber", "a": "allexport"}
_SH_SKIP = frozenset(_words("PPID PWD SHLVL _ LINENO POSIXLY_CORRECT"))


def parse_sh_set(text: str) -> dict[str, str]:
    """dash's `set` output (NAME='value' per variable, values may span lines) -> {name: value}."""
    found: dict[str, str] = {}
    i = 0
    while i < len(text):
        if text[i] == "\n":
            i += 1
            continue
        eq = text.find("=", i)
        name = text[i:eq]
        if eq < 0 or not _is_name(name):
            raise _Bad("bad name")
        value, i = _word(text, eq + 1, "\n")
        found[name] = value
    return found


def parse_sh_exports(text: str) -> set[str]:
    """Names dash's `export -p` lists (`export NAME='value'` or `export NAME`)."""
    names = set()
    i = 0
    while i < len(text):
        if text[i] == "\n":
            i += 1
            continue
        if not text.startswith("export ", i):
            raise _Bad("expected `export`")
        j = i + 7
        while j < len(text) and text[j] not in "=\n":
            j += 1
        if not _is_name(text[i + 7 : j]):
            raise _Bad("bad name")
        names.add(text[i + 7 : j])
        i = _word(text, j + 1, "\n")[1] if text[j : j + 1] == "=" else j
    return names


def quote(text: str) -> str:
    """Single-quote for bash (safe for any content)."""
    return "'" + text.replace("'", "'\\''") + "'"


# -- parsing `declare -p` output --------------------------------------------------------------
_ANSI = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r"}
_ANSI.update({"t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"})


class _Bad(ValueError):
    """The dump does not have the shape bash writes."""


def _ansi_c(text: str, i: int) -> tuple[str, int]:
    """Read a $'...' body starting after the opening quote; return (value, index after)."""
    out: list[str] = []
    while True:
        if i >= len(text):
            raise _Bad("unterminated $'")
        ch = text[i]
        if ch == "'":
            return "".join(out), i + 1
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt in _ANSI:
            out.append(_ANSI[nxt])
            i += 2
        elif nxt.isdigit() and nxt < "8":
            j = i + 1
            while j < len(text) and j < i + 4 and text[j] in "01234567":
                j += 1
            out.append(chr(int(text[i + 1 : j], 8) & 0xFF))
            i = j
        elif nxt == "x":
            j = i + 2
            while j < len(text) and j < i + 4 and text[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(chr(int(text[i + 2 : j] or "0", 16)))
            i = j
        elif nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            j = i + 2
            while j < len(text) and j < i + 2 + width and text[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(chr(min(int(text[i + 2 : j] or "0", 16), 0x10FFFF)))
            i = j
        elif nxt == "c" and i + 2 < len(text):
            out.append(chr(ord(text[i + 2]) & 0x1F))
            i += 3
        else:
            out.append("\\")
            i += 1


def _word(text: str, i: int, stop: str) -> tuple[str, int]:
    """One shell word (quotes and backslashes removed); stops before a char in `stop`."""
    out = []
    while i < len(text) and text[i] not in stop:
        ch = text[i]
        if ch == '"':
            i += 1
            while True:
                if i >= len(text):
                    raise _Bad('unterminated "')
                ch = text[i]
                if ch == '"':
                    i += 1
                    break
                if ch == "\\" and text[i + 1 : i + 2] in ('"', "\\", "$", "`", "\n"):
                    if text[i + 1] != "\n":
                        out.append(text[i + 1])
                    i += 2
                    continue
                out.append(ch)
                i += 1
        elif ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise _Bad("unterminated '")
            out.append(text[i + 1 : end])
            i = end + 1
        elif ch == "$" and text[i + 1 : i + 2] == "'":
            value, i = _ansi_c(text, i + 2)
            out.append(value)
        elif ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out), i


def _is_name(name: str) -> bool:
    return bool(name) and not name[0].isdigit() and all(c.isalnum() or c == "_" for c in name)


def parse_declare(text: str) -> dict[str, tuple[str, object]]:
    """`declare -p` output -> {name: (flags, value)}; value is None, a str or [(key, str)]."""
    found: dict[str, tuple[str, object]] = {}
    i = 0
    while i < len(text):
        if text[i] == "\n":
            i += 1
            continue
        if not text.startswith("declare -", i):
            raise _Bad("expected `declare`")
        end = text.find(" ", i + 8)
        flags = text[i + 9 : end].lstrip("-")
        if end < 0 or not set(flags) <= _VAR_FLAGS | {"I"}:
            raise _Bad("bad flags")
        i = end + 1
        j = i
        while j < len(text) and text[j] not in "=\n":
            j += 1
        name = text[i:j]
        if not _is_name(name):
            raise _Bad("bad name")
        value: object = None
        if j < len(text) and text[j] == "=":
            i = j + 1
            if text[i : i + 1] == "(" and ("a" in flags or "A" in flags):
                value, i = _array(text, i + 1)
            else:
                value, i = _word(text, i, "\n")
        else:
            i = j
        found[name] = (flags.replace("I", ""), value)
    return found


def parse_declare_cached(text: str, cache: dict[str, dict]) -> dict[str, tuple[str, object]]:
    """parse_declare, reusing the parse of every line seen before (most never change).

    bash 5.2 writes one line per variable (newlines in values come out as $'...'); a line that
    does not parse alone falls back to parsing the whole text.
    """
    if len(cache) > 20_000:
        cache.clear()
    found: dict[str, tuple[str, object]] = {}
    for line in text.split("\n"):
        if not line:
            continue
        hit = cache.get(line)
        if hit is None:
            try:
                hit = parse_declare(line)
            except _Bad:
                return parse_declare(text)
            cache[line] = hit
        found.update(hit)
    return found


def _array(text: str, i: int) -> tuple[list[tuple[str, str]], int]:
    items: list[tuple[str, str]] = []
    while True:
        while text[i : i + 1] == " ":
            i += 1
        if i >= len(text):
            raise _Bad("unterminated array")
        if text[i] == ")":
            return items, i + 1
        if text[i] != "[":
            raise _Bad("bad array element")
        key, i = _word(text, i + 1, "]")
        if text[i : i + 2] != "]=":
            raise _Bad("bad array key")
        value, i = _word(text, i + 2, " )")
        items.append((key, value))


def split_functions(listing: str, bodies: str) -> dict[str, tuple[bool, str]]:
    """`declare -F` and `declare -f` output -> {name: (exported, text after the name)}."""
    names: list[tuple[str, bool]] = []
    for line in listing.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0] == "declare" and parts[1] in ("-f", "-fx"):
            names.append((parts[2], parts[1] == "-fx"))
    found: dict[str, tuple[bool, str]] = {}
    pos = 0
    for index, (name, exported) in enumerate(names):
        head = f"{name} () \n"
        if not bodies.startswith(head, pos):
            break  # the listing and the bodies disagree: keep what was read so far
        start = pos + len(head)
        if index + 1 < len(names):
            end = bodies.find(f"\n{names[index + 1][0]} () \n", start)
            end = len(bodies) if end < 0 else end + 1
        else:
            end = len(bodies)
        body = bodies[start:end]
        tail = f"declare -fx {name}\n"
        if body.endswith(tail):
            body = body[: -len(tail)]
        found[name] = (exported, body.rstrip("\n"))
        pos = end
    return found


# -- the shell state ----------------------------------------------------------------------------
class State:
    """What one command leaves for the next: variables, functions, cwd, umask, options."""

    def __init__(self, env: dict[str, str], cwd: str, shell: str = "bash") -> None:
        self.shell = shell
        self.vars: dict[str, tuple[str, object]] = {k: ("x", v) for k, v in env.items()}
        self.funcs: dict[str, tuple[bool, str]] = {}
        self.cwd = cwd
        self.umask = "0022"
        self.set_on = set(_SET_DEFAULT)
        self.shopt_on = set(_SHOPT_DEFAULT)

    def restore_script(self, notes: list[str]) -> tuple[str, dict[str, str]]:
        """(script sourced before the command, environment carrying the functions)."""
        if self.shell == "sh":
            return self._sh_restore(), {}
        env: dict[str, str] = {}
        lines = [f"cd -- {quote(self.cwd)} 2>/dev/null || cd /"]
        hidden = []
        for name, (exported, body) in self.funcs.items():
            if name in _RESERVED or not name or any(c in name for c in "=%/\0 \t\n$'\"`\\"):
                notes.append(
                    f"shell function {name!r} has the name of a shell builtin or a character "
                    "that cannot be carried over: later commands do not see it"
                )
                continue
            if not body.startswith("{"):
                continue
            # bash imports BASH_FUNC_<name>%% as exactly one function definition (its
            # parser refuses anything after it), so a forged body cannot run code here.
            env[f"BASH_FUNC_{name}%%"] = "() " + body
            if not exported:
                hidden.append(name)
        if hidden:
            lines.append("export -fn " + " ".join(quote(n) for n in hidden))
        for name, (flags, value) in self.vars.items():
            opts = "-" + (flags or "-")
            if value is None:
                lines.append(f"declare {opts} {name}")
            elif isinstance(value, list):
                kind = "A" if "A" in flags else "a"
                items = " ".join(f"[{quote(k) if kind == 'A' else k}]={quote(v)}" for k, v in value)
                lines.append(f"declare {opts} {name}=({items})")
            else:
                lines.append(f"declare {opts} {name}={quote(str(value))}")
        if self.umask.isdigit():
            lines.append(f"umask {self.umask}")
        shopts_on = [o for o in _SHOPT_OPTIONS if o in self.shopt_on]
        shopts_off = [o for o in _SHOPT_OPTIONS if o not in self.shopt_on]
        if shopts_on:
            lines.append("shopt -s " + " ".join(shopts_on))
        lines.append("shopt -u " + " ".join(shopts_off))
        options = [o for o in _SET_OPTIONS if o not in ("verbose", "xtrace")]
        lines.append("set " + " ".join(("-o " if o in self.set_on else "+o ") + o for o in options))
        return "\n".join(lines) + "\n", env

    def _sh_restore(self) -> str:
        lines = [f"cd -- {quote(self.cwd)} 2>/dev/null || cd /"]
        exported = []
        for name, (flags, value) in self.vars.items():
            if isinstance(value, str):
                lines.append(f"{name}={quote(value)}")
            if "x" in flags:
                exported.append(name)
        if exported:
            lines.append("export " + " ".join(exported))
        if self.umask.isdigit():
            lines.append(f"umask {self.umask}")
        flags = "".join(k for k, v in _SH_FLAGS.items() if v in self.set_on)
        lines.append(f"set -{flags}" if flags else "set +e")
        return "\n".join(lines) + "\n"

    def _load_sh_dump(self, text: str) -> None:
        parts = text.split("\0")
        if len(parts) != 5:
            raise _Bad("wrong number of sections")
        cwd, flags, umask, listing, exports = parts
        exported = parse_sh_exports(exports.strip("\n"))
        self.vars = {
            name: ("x" if name in exported else "", value)
            for name, value in parse_sh_set(listing).items()
            if name not in _SH_SKIP and not name.startswith("__pa_")
        }
        self.funcs = {}
        self.cwd = cwd if cwd.startswith("/") else "/"
        self.umask = umask.strip() if umask.strip().isdigit() else "0022"
        self.set_on = {v for k, v in _SH_FLAGS.items() if k in flags}
        for letter, option in (("x", "xtrace"), ("v", "verbose")):
            if letter in flags:
                self.set_on.add(option)

    def load_dump(self, data: bytes, cache: dict[str, dict] | None = None) -> None:
        """Replace this state with what a command's shell dumped (ValueError if malformed)."""
        text = data.decode("utf-8", "surrogateescape")
        if self.shell == "sh":
            self._load_sh_dump(text)
            return
        parts = text.split("\0")
        if len(parts) != 8:
            raise _Bad("wrong number of sections")
        cwd, set_opts, shopts, flags, umask, declared, listing, bodies = parts
        variables = {k: v for k, v in parse_declare(declared).items() if k not in _SKIP_VARS}
        variables = {k: v for k, v in variables.items() if not k.startswith("__pa_")}
        self.vars = variables
        self.funcs = split_functions(listing, bodies)
        self.cwd = cwd if cwd.startswith("/") else "/"
        self.umask = umask.strip() if umask.strip().isdigit() else "0022"
        self.set_on = set(set_opts.split(":"))
        for letter, option in (("x", "xtrace"), ("v", "verbose")):
            if letter in flags:
                self.set_on.add(option)
        self.shopt_on = set(shopts.split(":"))


# -- process 1 ----------------------------------------------------------------------------------
def _libc_prctl():
    import _ctypes

    class _Int(_ctypes._SimpleCData):
        _type_ = "i"

    class _Func(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL
        _restype_ = _Int

    # typeshed requires a path, but dlopen(None) is documented: the running program itself.
    return _Func(_ctypes.dlsym(_ctypes.dlopen(None, 2), "prctl"))  # type: ignore[arg-type]


def _make_nondumpable(prctl) -> None:
    """Last of the start-up steps: any change of credentials resets the flag to 1."""
    if prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 or prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise SystemExit("prctl(PR_SET_DUMPABLE) failed")


def _no_capabilities_for_children(prctl) -> None:
    """As root of the sandbox: every command starts without any capability.

    An empty bounding set and SECBIT_NOROOT mean that executing a program as uid 0 grants
    nothing, and the ambient set is cleared; the driver keeps its own CAP_SETUID/CAP_SETGID
    (to start `run-as` commands as the build user), which no other process can use.
    """
    for cap in range(64):
        prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL past the last capability: ignored
    if prctl(_PR_SET_SECUREBITS, _SECBIT_NOROOT, 0, 0, 0) != 0:
        raise SystemExit("prctl(PR_SET_SECUREBITS) failed")
    prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)


def _reap(block_for: int | None) -> int | None:
    """Reap children (orphans are ours as process 1); return the status of `block_for`."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0 if block_for is not None else os.WNOHANG)
        except ChildProcessError:
            return None
        except InterruptedError:
            continue
        if pid == 0:
            return None
        if block_for is not None and pid == block_for:
            return status


_DEFAULT_SIGNALS = (13, 25, 2, 3, 15, 1)  # PIPE XFSZ INT QUIT TERM HUP


def _spawn_as_build_user(
    program: str, argv: list[str], environ: dict[bytes, bytes], memfd: int
) -> int:
    """fork, become the build user (which drops every capability), exec bash (`run-as`)."""
    import _signal

    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setgroups([])
            os.setresgid(BUILD_USER_UID, BUILD_USER_UID, BUILD_USER_UID)
            os.setresuid(BUILD_USER_UID, BUILD_USER_UID, BUILD_USER_UID)
            null = os.open("/dev/null", os.O_RDONLY)
            os.dup2(null, 0)
            if memfd != 3:
                os.dup2(memfd, 3)
            os.set_inheritable(3, True)  # dup2 onto itself would keep close-on-exec
            for signum in _DEFAULT_SIGNALS:
                _signal.signal(signum, _signal.SIG_DFL)
            os.execve(program, argv, environ)  # noqa: S606 - bash is the program we run
        finally:
            os._exit(127)
    return pid


class Driver:
    """Reads framed commands, runs each in a fresh bash, reports real statuses."""

    def __init__(self, cmd_fd: int, status_fd: int, start_dir: str, shell: str = "bash") -> None:
        self.shell = shell
        self.cmd_fd = cmd_fd
        self.status_fd = status_fd
        self.start_dir = start_dir
        self.initial_env = dict(os.environ)  # plus what the host exports later
        self.state = State(self.initial_env, start_dir, shell)
        self.buffer = b""
        self.parse_cache: dict[str, dict] = {}
        self.host_exports: set[str] = set()

    def read_frame(self) -> tuple[bytes, bytes] | None:
        """(kind, payload) of the next frame from the host: b"C" command, b"E" export."""
        import select

        while True:
            if b"\n" in self.buffer:
                head, rest = self.buffer.split(b"\n", 1)
                size = int(head[1:])
                if len(rest) >= size:
                    self.buffer = rest[size:]
                    return head[:1], rest[:size]
            ready, _, _ = select.select([self.cmd_fd], [], [], 1.0)
            if not ready:
                _reap(None)  # orphaned background jobs end while we wait for the host
                continue
            chunk = os.read(self.cmd_fd, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk

    def report(self, line: str) -> None:
        data = (line.replace("\n", " ") + "\n").encode("utf-8", "replace")
        while data:
            data = data[os.write(self.status_fd, data) :]

    def export(self, payload: str) -> None:
        """Variables the host sets (NAME=value, NUL-separated): part of the build's environment.

        They go straight into the state (no shell runs), and survive a shell that exits or a
        state dump that lost them; the learner's commands may still change them.
        """
        for item in payload.split("\0"):
            name, sep, value = item.partition("=")
            if sep and _is_name(name):
                self.initial_env[name] = value
                self.host_exports.add(name)
                self.state.vars[name] = ("x", value)
        self.report("exit 0")

    def run(self, command: str, *, as_user: bool = False) -> None:
        notes: list[str] = []
        if len(command.encode("utf-8", "surrogateescape")) > MAX_COMMAND_BYTES:
            self.report(f"error the command is longer than {MAX_COMMAND_BYTES // 1024} KiB")
            return
        script, env = self.state.restore_script(notes)
        for note in notes:
            self.report(f"note {note}")
        notes = []
        memfd = os.memfd_create("restore", _MFD_CLOEXEC | _MFD_ALLOW_SEALING)
        try:
            payload = script.encode("utf-8", "surrogateescape")
            while payload:
                payload = payload[os.write(memfd, payload) :]
            import fcntl

            fcntl.fcntl(memfd, _F_ADD_SEALS, _SEALS)
            os.lseek(memfd, 0, os.SEEK_SET)
            try:  # noqa: SIM105 - contextlib would cost start-up time in the driver
                os.unlink(STATE_FILE)
            except OSError:
                pass
            # xtrace and verbose are switched on inside the eval, so only the command is traced.
            traced = "".join(
                f"set -o {option}\n"
                for option in ("verbose", "xtrace")
                if option in self.state.set_on
            )
            if self.shell == "sh":
                program = SH
                argv = ["sh", "-c", _SH_WRAPPER.format(command=quote(traced + command))]
            else:
                program = BASH
                argv = [
                    "bash",
                    "--noprofile",
                    "--norc",
                    "-c",
                    _WRAPPER.format(command=quote(traced + command)),
                ]
            environ = {k.encode(): v.encode("utf-8", "surrogateescape") for k, v in env.items()}
            try:
                if as_user:
                    pid = _spawn_as_build_user(program, argv, environ, memfd)
                else:
                    pid = os.posix_spawn(
                        program,
                        argv,
                        environ,
                        file_actions=[
                            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                            (os.POSIX_SPAWN_DUP2, memfd, 3),
                        ],
                        setsigdef=_DEFAULT_SIGNALS,
                        setsigmask=(),
                    )
            except OSError as exc:
                self.report(f"error the shell could not be started: {exc.strerror}")
                return
        finally:
            os.close(memfd)
        status = _reap(pid)
        if status is None:
            self.report("error the shell's status was lost")
            return
        self._keep_state(notes)
        for note in notes:
            self.report(f"note {note}")
        if os.WIFSIGNALED(status):
            self.report(f"signal {os.WTERMSIG(status)}")
        else:
            self.report(f"exit {os.waitstatus_to_exitcode(status)}")

    def _keep_state(self, notes: list[str]) -> None:
        """Load the dump the command's shell wrote; none means the shell exited: start fresh."""
        try:
            fd = os.open(STATE_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            self.state = State(self.initial_env, self.start_dir, self.shell)
            return
        try:
            info = os.fstat(fd)
            if (info.st_mode & 0o170000) != 0o100000 or info.st_size > MAX_STATE_BYTES:
                notes.append(
                    "the shell's variables and functions are larger than "
                    f"{MAX_STATE_BYTES // 1024 // 1024} MB: later commands start from a fresh shell"
                )
                self.state = State(self.initial_env, self.start_dir, self.shell)
                return
            data = b""
            while len(data) <= MAX_STATE_BYTES:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(fd)
        fresh = State(self.initial_env, self.start_dir, self.shell)
        try:
            fresh.load_dump(data, self.parse_cache)
        except (ValueError, IndexError):
            notes.append("the shell's state could not be read back: later commands start fresh")
            fresh = State(self.initial_env, self.start_dir, self.shell)
        for name in self.host_exports:
            if name not in fresh.vars:
                fresh.vars[name] = ("x", self.initial_env[name])
        self.state = fresh


def main(argv: list[str]) -> None:
    prctl = _libc_prctl()
    if os.getuid() == 0:
        _no_capabilities_for_children(prctl)
    _make_nondumpable(prctl)  # after every credential change (they reset it)
    import _signal

    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)  # as process 1, default means "ignored"
    cmd_fd, status_fd, start_dir = int(argv[1]), int(argv[2]), argv[3]
    shell = argv[4] if len(argv) > 4 and argv[4] == "sh" else "bash"
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2:
            try:  # noqa: SIM105 - contextlib would cost start-up time in the driver
                os.set_inheritable(fd, False)
            except OSError:
                pass
    driver = Driver(cmd_fd, status_fd, start_dir, shell)
    while True:
        frame = driver.read_frame()
        if frame is None:
            return  # the host closed the command pipe: the namespace ends with us
        kind, payload = frame
        text = payload.decode("utf-8", "surrogateescape")
        if kind == b"E":
            driver.export(text)
        else:
            driver.run(text, as_user=kind == b"R" and os.getuid() == 0)


if __name__ == "__main__":
    main(sys.argv)
