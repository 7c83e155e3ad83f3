"""The container process: args, env, cwd, user, umask, rlimits,
capabilities, noNewPrivileges, file descriptors (config.md "Process")."""
import os

import pytest

from support.config import DEFAULT_ENV, base_config, sh

CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE = 5, 10, 29
BASE_CAPS = (1 << CAP_KILL) | (1 << CAP_NET_BIND_SERVICE) | (1 << CAP_AUDIT_WRITE)


def _status(out):
    """Parse /proc/self/status output."""
    return {k: v.strip() for k, _, v in (ln.partition(":") for ln in out.splitlines())}


def test_args_are_passed_verbatim(rt):
    args = ["sh", "-c", 'for a in "$@"; do printf "[%s]" "$a"; done', "argv0",
            "two words", "quote'd", "", "$HOME", "*"]
    assert rt.output(base_config(args)) == "[two words][quote'd][][$HOME][*]"


def test_args0_is_looked_up_in_the_containers_path(rt):
    cfg = base_config(["which-is-me"], env=["PATH=/custom/bin"])
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/custom/bin").mkdir(parents=True)
    (bundle / "rootfs/custom/bin/which-is-me").symlink_to("/bin/busybox")
    # busybox dispatches on argv[0]: an unknown applet name exits 127
    # with "applet not found" -- proving the right file was executed
    res = rt.run(bundle=bundle)
    assert "applet not found" in res.err, str(res)


def test_environment_is_exactly_the_configs(rt):
    """The runtime's own environment (PYTHONPATH, anything else) never
    reaches the container; only HOME may be added (runc adds it)."""
    env = DEFAULT_ENV + ["CUSTOM=value with spaces", "EMPTY="]
    res = rt.run(base_config(["env"], env=env),
                 extra_env={"PYTHONPATH": "/tmp/evil", "FOO_LEAK": "1", "LC_LEAK": "C"})
    assert res.rc == 0, str(res)
    got = res.out.splitlines()
    extra = [e for e in got if e not in env]
    assert all(e.startswith("HOME=") for e in extra), f"unexpected variables in the container: {extra}"
    assert sorted(e for e in got if not e.startswith("HOME=")) == sorted(env)


def test_runtime_ignores_python_variables_of_its_caller(rt):
    """Whoever controls the runtime's environment must not get code run by
    it (ARCHITECTURE.md section 3): a sitecustomize.py on PYTHONPATH and a
    PYTHONSTARTUP file must not be executed."""
    evil = rt.hostdir("evil")
    marker = rt.tmp / "evil-code-ran"
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    (evil / "sitecustomize.py").write_text(payload)
    (evil / "usercustomize.py").write_text(payload)
    (evil / "startup.py").write_text(payload)
    res = rt.run(base_config(["true"]),
                 extra_env={"PYTHONPATH": str(evil), "PYTHONSTARTUP": str(evil / "startup.py"),
                            "PYTHONINSPECT": "", "PYTHONUSERBASE": str(evil)})
    assert res.rc == 0, str(res)
    assert not marker.exists(), f"code from the caller's PYTHON* variables ran: {marker.read_text()!r}"


def test_home_comes_from_the_containers_passwd(rt):
    cfg = base_config(["sh", "-c", "echo $HOME"])
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    assert rt.output(cfg) == "/home/tester\n"


def test_home_in_config_wins(rt):
    cfg = base_config(["sh", "-c", "echo $HOME"], env=DEFAULT_ENV + ["HOME=/custom"])
    assert rt.output(cfg) == "/custom\n"


@pytest.mark.parametrize("cwd", ["/", "/root", "/home/tester"])
def test_cwd(rt, cwd):
    assert rt.output(base_config(["pwd"], cwd=cwd)) == f"{cwd}\n"


def test_uid_and_gid(rt):
    cfg = sh("id -u; id -g; grep -E '^(Uid|Gid)' /proc/self/status")
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    lines = rt.output(cfg).splitlines()
    assert lines[:2] == ["1000", "1000"]
    st = _status("\n".join(lines[2:]))
    assert st["Uid"].split() == ["1000"] * 4
    assert st["Gid"].split() == ["1000"] * 4


def test_uid_without_a_passwd_entry(rt):
    cfg = sh("id -u; id -g")
    cfg["process"]["user"] = {"uid": 4242, "gid": 4343}
    assert rt.output(cfg).split() == ["4242", "4343"]


def test_additional_gids(rt):
    cfg = base_config(["grep", "^Groups:", "/proc/self/status"])
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 10, 4242]}
    groups = rt.output(cfg).split(":", 1)[1].split()
    assert sorted(map(int, groups)) == [5, 10, 4242]


def test_no_additional_gids_means_no_supplementary_groups(rt):
    cfg = base_config(["grep", "^Groups:", "/proc/self/status"])
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    assert rt.output(cfg).split(":", 1)[1].split() == []


@pytest.mark.parametrize("umask,expected", [(0o027, "0027"), (0o077, "0077"), (0, "0000")])
def test_umask(rt, umask, expected):
    cfg = sh("umask; touch /tmp/f; stat -c %a /tmp/f")
    cfg["process"]["user"]["umask"] = umask
    cfg["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"})
    out = rt.output(cfg).split()
    assert out[0] == expected
    assert out[1] == format(0o666 & ~umask, "o")


def test_rlimits(rt):
    cfg = sh("ulimit -Sn; ulimit -Hn")
    cfg["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 800}]
    assert rt.output(cfg).split() == ["512", "800"]


def test_default_config_rlimit(rt):
    assert rt.output(sh("ulimit -n")).strip() == "1024"


def test_capabilities(rt):
    st = _status(rt.output(base_config(["cat", "/proc/self/status"])))
    caps = {k: int(st[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    assert caps["CapEff"] == BASE_CAPS, hex(caps["CapEff"])
    assert caps["CapPrm"] == BASE_CAPS, hex(caps["CapPrm"])
    assert caps["CapBnd"] == BASE_CAPS, hex(caps["CapBnd"])
    assert caps["CapInh"] == 0, hex(caps["CapInh"])
    assert caps["CapAmb"] == 0, hex(caps["CapAmb"])


def test_capabilities_of_a_non_root_user(rt):
    """Without ambient capabilities execve() as a non-root user clears the
    permitted and effective sets; the bounding set stays the config's."""
    cfg = base_config(["cat", "/proc/self/status"])
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    st = _status(rt.output(cfg))
    assert int(st["CapEff"], 16) == 0
    assert int(st["CapBnd"], 16) == BASE_CAPS


def test_ambient_capabilities_of_a_non_root_user(rt):
    cfg = base_config(["cat", "/proc/self/status"])
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    caps = ["CAP_NET_BIND_SERVICE"]
    cfg["process"]["capabilities"].update(inheritable=caps, ambient=caps)
    st = _status(rt.output(cfg))
    assert int(st["CapAmb"], 16) == 1 << CAP_NET_BIND_SERVICE
    assert int(st["CapEff"], 16) == 1 << CAP_NET_BIND_SERVICE


def test_no_capabilities(rt):
    cfg = base_config(["cat", "/proc/self/status"])
    cfg["process"]["capabilities"] = {"bounding": [], "effective": [], "permitted": []}
    st = _status(rt.output(cfg))
    assert int(st["CapEff"], 16) == 0 and int(st["CapBnd"], 16) == 0


@pytest.mark.parametrize("nnp,expected", [(True, "1"), (False, "0")])
def test_no_new_privileges(rt, nnp, expected):
    cfg = base_config(["grep", "NoNewPrivs", "/proc/self/status"])
    cfg["process"]["noNewPrivileges"] = nnp
    assert rt.output(cfg).split() == ["NoNewPrivs:", expected]


def test_only_stdio_is_open(rt):
    """No descriptor of the runtime leaks into the container, even one the
    runtime's caller left open without CLOEXEC."""
    r, w = os.pipe()
    os.set_inheritable(r, True)
    try:
        # "; exit 0" keeps sh from exec'ing ls, so the listing is sh's fds
        res = rt.run(sh("ls /proc/$$/fd; exit 0"), pass_fds=(r,))
    finally:
        os.close(r)
        os.close(w)
    assert res.rc == 0, str(res)
    assert sorted(res.out.split()) == ["0", "1", "2"]


def test_preserve_fds(rt):
    """--preserve-fds N passes fds 3..3+N-1 of the runtime to the process."""
    data = rt.tmp / "fd3-data"
    data.write_text("through fd 3\n")
    bundle = rt.bundle(sh("cat <&3; ls /proc/$$/fd; exit 0"))
    cid = rt.new_id()
    wrapper = ["sh", "-c", 'exec 3<"$0"; exec "$@"', str(data)]
    res = rt.runtime("run", "--bundle", bundle, "--preserve-fds", "1", cid, wrapper=wrapper)
    assert res.rc == 0, str(res)
    lines = res.out.splitlines()
    assert lines[0] == "through fd 3"
    assert sorted(lines[1:]) == ["0", "1", "2", "3"]


def test_stdio_of_create_and_start(rt):
    """Without a terminal the container's stdio is the stdio create was
    given: output written after start lands in create's stdout."""
    res = rt.create(sh("echo out-after-start; echo err-after-start >&2"))
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")
    assert open(res.extra["out_path"]).read() == "out-after-start\n"
    assert open(res.extra["err_path"]).read() == "err-after-start\n"
