"""``run``: create + start in one command, foreground or detached.

In the foreground the container's stdio is the command's stdio, the exit
status is the container's (128+N when killed by signal N), signals sent to
the ``run`` process reach the container process, and the container is
deleted afterwards unless ``--keep``.
"""
import os
import signal
import time

import pytest

from support import asserts, proc
from support.config import base_config, sh


def test_exit_status_passes_through(rt):
    res = rt.run(sh("exit 7"))
    assert res.rc == 7, str(res)


def test_exit_zero(rt):
    res = rt.run(base_config(["true"]))
    assert res.rc == 0, str(res)
    assert res.out == "" and res.err == "", str(res)


def test_killed_by_signal_exits_128_plus_n(rt):
    sp = rt.spawn_run(base_config(["sleep", "100"]))
    rt.wait_status(sp.cid, "running")
    rt.kill(sp.cid, "KILL")
    res = sp.wait()
    assert res.rc == 128 + signal.SIGKILL, str(res)


def test_stdout_and_stderr_are_the_containers(rt):
    res = rt.run(sh("echo to-out; echo to-err >&2; echo more-out"))
    assert res.rc == 0, str(res)
    assert res.out == "to-out\nmore-out\n"
    assert res.err == "to-err\n"


def test_stdin_reaches_the_container(rt):
    res = rt.run(base_config(["cat"]), stdin=b"hello from stdin\n")
    assert res.rc == 0, str(res)
    assert res.out == "hello from stdin\n"


def test_binary_output_is_untouched(rt):
    res = rt.run(sh("printf '\\001\\002\\377\\n'"))
    assert res.rc == 0, str(res)
    assert res.out_bytes == b"\x01\x02\xff\n"


def test_container_is_deleted_after_run(rt):
    res = rt.run(base_config(["true"]))
    assert res.rc == 0, str(res)
    asserts.not_exist(rt.runtime("state", res.cid))
    assert not os.listdir(rt.root)


def test_keep_leaves_a_stopped_container(rt):
    res = rt.run(sh("exit 3"), "--keep")
    assert res.rc == 3, str(res)
    assert rt.status(res.cid) == "stopped"
    asserts.ok(rt.delete(res.cid), "delete")
    asserts.not_exist(rt.runtime("state", res.cid))


@pytest.mark.parametrize("flag", ["-d", "--detach"])
def test_detach_returns_while_the_container_runs(rt, flag):
    started = time.monotonic()
    res = rt.run(base_config(["sleep", "100"]), flag, timeout=20)
    assert res.rc == 0, str(res)
    assert time.monotonic() - started < 15
    st = rt.state(res.cid)
    assert st["status"] == "running"
    assert proc.is_alive(st["pid"])
    assert proc.cmdline(st["pid"]) == [b"sleep", b"100"]


def test_detached_container_stops_when_its_process_exits(rt):
    res = rt.run(base_config(["true"]), "-d")
    assert res.rc == 0, str(res)
    rt.wait_status(res.cid, "stopped")


def test_run_with_an_id_already_in_use_fails(rt):
    first = rt.run(base_config(["sleep", "100"]), "-d")
    assert first.rc == 0, str(first)
    pid = rt.state(first.cid)["pid"]
    again = rt.run(base_config(["true"]), cid=first.cid)
    asserts.error(again)
    st = rt.state(first.cid)
    assert st["status"] == "running" and st["pid"] == pid
    assert st["bundle"] == str(first.extra["bundle"])


TRAP = (
    "trap 'echo got-{name}; exit 3' {name}; echo ready; "
    "while :; do sleep 0.05; done"
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGUSR1, signal.SIGINT, signal.SIGHUP],
                         ids=lambda s: s.name)
def test_signals_to_run_are_forwarded(rt, sig):
    name = sig.name[3:]
    sp = rt.spawn_run(sh(TRAP.format(name=name)))
    proc.wait_for(lambda: "ready" in sp.read_out(), what="container to print ready")
    sp.signal(sig)
    res = sp.wait()
    assert f"got-{name}" in res.out, f"{sig.name} was not forwarded to the container:\n{res}"
    assert res.rc == 3, str(res)


def test_run_returns_when_the_init_exits_even_if_children_remain(rt):
    """Like runc: run waits for the init (pid 1 of the container's pid
    namespace); its exit kills the rest of the namespace."""
    res = rt.run(sh("sleep 100 & exit 5"), timeout=20)
    assert res.rc == 5, str(res)
