"""Buildspec 0.2 semantics: each command is a fresh bash, yet the shell state carries over."""

from __future__ import annotations

import pytest

from simulator.sandbox import _bwrap, _driver
from simulator.sandbox._driver import State, parse_declare, split_functions
from tests.simulator.sandbox.conftest import run

pytestmark = pytest.mark.sandbox


def test_variables_exports_and_cwd_carry_over(session_factory):
    session = session_factory()
    setup = (
        "A=plain; export B='with \"quotes\" and $dollar'; C=$'two\\nlines'; "
        "D='it'\"'\"'s'; E=ünïcode; declare -i N=40; declare -r RO=fixed; mkdir -p sub; cd sub"
    )
    assert run(session, setup)[0].succeeded
    outcome, lines = run(
        session,
        'echo "$A|$B|$D|$E|$((N + 2))|$RO|$PWD"; printf "%s\\n" "$C"; '
        "bash -c 'echo \"child:${A:-unset}:$B\"'",
    )
    assert outcome.succeeded
    assert lines == [
        'plain|with "quotes" and $dollar|it\'s|ünïcode|42|fixed|/codebuild/output/src/sub',
        "two",
        "lines",
        'child:unset:with "quotes" and $dollar',
    ]


def test_arrays_functions_options_and_umask_carry_over(session_factory):
    session = session_factory()
    setup = (
        "L=(one 'two words' three); declare -A M=([k]=v ['a b']=c); "
        "greet() { echo \"hi $1\"; echo '}'; }; shout() { echo LOUD; }; export -f shout; "
        "set -o pipefail; shopt -s extglob nullglob; umask 027; cd /tmp; cd /codebuild/output/src"
    )
    assert run(session, setup)[0].succeeded
    outcome, lines = run(
        session,
        'echo "${L[1]}|${#L[@]}|${M[k]}|${M[a b]}"; greet you; bash -c shout; '
        "bash -c greet 2>/dev/null || echo not-exported; "
        "echo $SHELLOPTS | tr : '\\n' | grep -x pipefail; shopt -q extglob && echo extglob; "
        "umask; echo $OLDPWD; false | true",
    )
    assert outcome.exit_code == 1  # pipefail carried over
    assert lines == [
        "two words|3|v|c",
        "hi you",
        "}",
        "LOUD",
        "not-exported",
        "pipefail",
        "extglob",
        "0027",
        "/tmp",
    ]


def test_exit_starts_a_fresh_shell_but_background_jobs_survive(session_factory):
    session = session_factory()
    assert run(session, "A=1; sleep 30 & echo $! > /tmp/job")[0].succeeded
    assert run(session, "exit 3")[0].exit_code == 3
    outcome, lines = run(session, 'echo "[${A-}]"; kill -0 "$(cat /tmp/job)" && echo alive')
    assert outcome.succeeded and lines == ["[]", "alive"]


def test_a_builtin_named_function_is_not_carried_and_says_so(session_factory):
    session = session_factory()
    assert run(session, "cd() { echo hijacked; }")[0].succeeded
    outcome, lines = run(session, "cd /tmp && pwd")
    assert outcome.succeeded
    assert lines[-1] == "/tmp"
    assert "shell function 'cd'" in lines[0]


def test_set_e_and_xtrace_behave_like_one_shell(session_factory):
    session = session_factory()
    assert run(session, "set -x")[0].succeeded
    outcome, lines = run(session, "echo traced")
    assert lines[0].endswith("+ echo traced") and lines[1:] == ["traced"]
    assert run(session, "set +x; set -e")[0].succeeded
    outcome, lines = run(session, "false; echo not-reached")
    assert outcome.exit_code == 1 and lines == []


def test_state_dir_matches_the_mounted_tmpfs():
    assert _driver.STATE_DIR == _bwrap.STATE_DIR


def test_parse_declare_reads_what_bash_writes():
    text = (
        'declare -- X="a\\"b\\$c\\`d\\\\e"\n'
        "declare -x NL=$'a\\nb\\tc\\'d\\001'\n"
        'declare -a A=([0]="1" [1]="two words" [5]=$\'x\\ny\')\n'
        'declare -A M=([k]="q\\"z" ["a b"]="1" )\n'
        'declare -ix N="4"\n'
        "declare -x UNSET\n"
        'declare -n R="X"\n'
    )
    found = parse_declare(text)
    assert found["X"] == ("", 'a"b$c`d\\e')
    assert found["NL"] == ("x", "a\nb\tc'd\x01")
    assert found["A"] == ("a", [("0", "1"), ("1", "two words"), ("5", "x\ny")])
    assert found["M"] == ("A", [("k", 'q"z'), ("a b", "1")])
    assert found["N"] == ("ix", "4")
    assert found["UNSET"] == ("x", None)
    assert found["R"] == ("n", "X")


@pytest.mark.parametrize(
    "text",
    [
        "trap 'exit 0' EXIT\n",
        'declare -- X="unterminated\n',
        "declare -Z X=1\n",
        "declare -- 1X=1\n",
        "declare -- X=1; trap\n",
    ],
)
def test_parse_declare_refuses_what_bash_never_writes(text):
    with pytest.raises(ValueError):
        state = State({}, "/")
        state.load_dump(f"/\0\0\0\0\0{text}\0\0".encode())
        if "X" in state.vars and state.vars["X"][1] == "1; trap":
            raise ValueError("taken literally")  # a value, never code: also fine


def test_restore_script_quotes_every_value():
    state = State({"EVIL": "'; trap 'exit 0' EXIT; '"}, "/tmp/it's")
    script, env = state.restore_script([])
    assert "declare -x EVIL=''\\''; trap '\\''exit 0'\\'' EXIT; '\\'''" in script
    assert "cd -- '/tmp/it'\\''s'" in script
    assert env == {}


def test_split_functions_keeps_bodies_whole():
    listing = "declare -f a\ndeclare -fx b\n"
    bodies = 'a () \n{ \n    echo "}"\n}\nb () \n{ \n    :\n}\ndeclare -fx b\n'
    assert split_functions(listing, bodies) == {
        "a": (False, '{ \n    echo "}"\n}'),
        "b": (True, "{ \n    :\n}"),
    }


def test_env_shell_sh_is_dash_with_posix_state(session_factory):
    from simulator.sandbox import ShellSession
    from tests.simulator.run.conftest import BASE_ENV, short_limits

    session = ShellSession(env=BASE_ENV, limits=short_limits(), shell="sh")  # noqa: S604
    with session:
        setup = "A='x y'; B=$(printf 'l1\\nl2'); C=\"it's\"; export E=1; cd /tmp; umask 027"
        assert run(session, setup)[0].succeeded
        outcome, lines = run(
            session,
            'echo "$A|$C|$E|$PWD"; printf "%s\\n" "$B"; sh -c \'echo "child:$E:${A:-unset}"\'; umask',
        )
        assert lines == ["x y|it's|1|/tmp", "l1", "l2", "child:1:unset", "0027"]
        outcome, lines = run(session, "[[ 1 == 1 ]] && echo bash-only")
        assert outcome.exit_code == 127 and "bash-only" not in lines  # as /bin/sh on AWS
        assert run(session, "exit 252")[0].exit_code == 252


def test_parse_sh_set_reads_what_dash_writes():
    from simulator.sandbox._driver import parse_sh_exports, parse_sh_set

    text = "A='x y'\nB='l1\nl2'\nC='it'\"'\"'s'\nIFS=' \t\n'\n"
    assert parse_sh_set(text) == {"A": "x y", "B": "l1\nl2", "C": "it's", "IFS": " \t\n"}
    assert parse_sh_exports("export A='1'\nexport B\n") == {"A", "B"}
    with pytest.raises(ValueError):
        parse_sh_set("trap 'exit 0' EXIT\n")


def test_buildspec_env_shell_sh_runs_dash(tmp_path):
    from simulator.codebuild import BuildOptions, build
    from simulator.sandbox import MIB, Limits
    from simulator.world import load_world

    source = tmp_path / "src"
    source.mkdir()
    world = load_world('account: "111122223333"\nregion: eu-west-1\n')
    limits = Limits(output_bytes=4 * MIB, processes=64, tmp_bytes=16 * MIB)
    results = {}
    for shell in ("bash", "sh"):
        spec = (
            f"version: 0.2\nenv:\n  shell: {shell}\nphases:\n  build:\n    commands:\n"
            '      - X=kept\n      - echo "x=$X"\n      - \'[[ -n "$X" ]] && echo bash-only\'\n'
        )
        results[shell] = build(spec, source, world, BuildOptions(limits=limits, time_limit=30))
    assert results["bash"].status == "SUCCEEDED"
    assert "bash-only" in results["bash"].log_lines
    assert results["sh"].status == "FAILED"
    assert "x=kept" in results["sh"].log_lines
    assert "bash-only" not in results["sh"].log_lines
