"""``kill [--all] ID [SIGNAL]`` (runtime.md "Kill")."""
import time

import pytest

from support import asserts, proc
from support.config import base_config, bind, sh

# The init is pid 1 of its pid namespace: only signals it has a handler for
# reach it, so the catcher traps each one and logs it to a host directory.
CATCHER = (
    "for s in TERM USR1 USR2 HUP INT; do trap \"echo $s >> /out/sigs\" $s; done; "
    "echo ready > /out/ready; while :; do sleep 0.05; done"
)


def _catcher(rt):
    host = rt.hostdir()
    cfg = sh(CATCHER)
    bind(cfg, host, "/out")
    cid, pid = rt.started_container(cfg)
    proc.wait_for(lambda: (host / "ready").exists(), what="signal catcher ready")
    return cid, pid, host


def _caught(host, name):
    sigs = host / "sigs"
    return proc.wait_for(lambda: sigs.exists() and name in sigs.read_text().split(),
                         what=f"container to catch SIG{name}")


def test_default_signal_is_sigterm(rt):
    cid, pid, host = _catcher(rt)
    asserts.ok(rt.runtime("kill", cid), "kill")
    _caught(host, "TERM")
    assert (host / "sigs").read_text().split() == ["TERM"]


@pytest.mark.parametrize("spelling", ["USR1", "SIGUSR1", "10"])
def test_signal_spellings(rt, spelling):
    cid, pid, host = _catcher(rt)
    asserts.ok(rt.runtime("kill", cid, spelling), f"kill {spelling}")
    _caught(host, "USR1")
    assert (host / "sigs").read_text().split() == ["USR1"]
    assert rt.status(cid) == "running"


@pytest.mark.parametrize("spelling", ["KILL", "SIGKILL", "9"])
def test_sigkill_spellings_stop_the_container(rt, spelling):
    cid, pid = rt.started_container(base_config(["sleep", "100"]))
    asserts.ok(rt.runtime("kill", cid, spelling), f"kill {spelling}")
    rt.wait_status(cid, "stopped")
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")


@pytest.mark.parametrize("bad", ["NOSUCHSIG", "SIGNOPE", "-1", "99999", "KILLX"])
def test_invalid_signal_is_refused_without_effect(rt, bad):
    cid, pid = rt.started_container(base_config(["sleep", "100"]))
    res = rt.runtime("kill", cid, bad)
    asserts.error(res)
    assert rt.status(cid) == "running"
    assert proc.is_alive(pid)


def test_kill_of_a_created_container_is_allowed(rt):
    res = rt.create(base_config(["sleep", "100"]))
    pid = rt.state(res.cid)["pid"]
    asserts.ok(rt.runtime("kill", res.cid, "KILL"), "kill created")
    rt.wait_status(res.cid, "stopped")
    assert proc.is_gone(pid)


def test_kill_of_a_stopped_container_fails(rt):
    res = rt.create(base_config(["true"]))
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")
    asserts.error(rt.runtime("kill", res.cid, "KILL"))
    assert rt.status(res.cid) == "stopped"


def test_kill_of_an_unknown_container(rt):
    asserts.not_exist(rt.runtime("kill", rt.new_id(), "KILL"))


def _family(rt):
    """A container whose init (sh, no TERM handler) has two children;
    returns (cid, init pid, [child pids])."""
    cid, pid = rt.started_container(sh("sleep 100 & sleep 100 & wait"))
    ctrl = "pids" if "pids" in proc.cgroup_mounts() else proc.v1_controllers()[0]
    path = proc.host_cgroups(pid)[ctrl]
    procs = proc.wait_for(lambda: (lambda p: p if p and len(p) == 3 else None)(proc.cgroup_procs(ctrl, path)),
                          what="three processes in the container cgroup")
    children = [p for p in procs if p != pid]
    for c in children:
        rt.record_pid(c)
    assert all(proc.cmdline(c) == [b"sleep", b"100"] for c in children)
    return cid, pid, children


@pytest.mark.parametrize("flag", ["--all", "-a"])
def test_kill_all_reaches_every_process(rt, flag):
    cid, pid, children = _family(rt)
    started = {c: proc.start_time(c) for c in children}
    asserts.ok(rt.runtime("kill", flag, cid, "KILL"), "kill --all")
    for c in children:
        proc.wait_for(lambda c=c: proc.is_gone(c, started[c]), what=f"child {c} to die")
    rt.wait_status(cid, "stopped")


def test_kill_without_all_signals_only_the_init(rt):
    """SIGTERM to the init alone (no handler in pid 1: ignored) leaves the
    children running; --all TERM kills them and the init exits."""
    cid, pid, children = _family(rt)
    asserts.ok(rt.runtime("kill", cid, "TERM"), "kill TERM")
    time.sleep(0.3)
    assert all(proc.is_alive(c) for c in children), "kill without --all reached the children"
    assert rt.status(cid) == "running"
    asserts.ok(rt.runtime("kill", "--all", cid, "TERM"), "kill --all TERM")
    for c in children:
        proc.wait_for(lambda c=c: proc.is_gone(c), what=f"child {c} to die")
    rt.wait_status(cid, "stopped")
