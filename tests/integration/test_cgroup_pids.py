"""linux.resources.pids (config-linux.md "PIDs"): pids.max on v1 here and
on v2 in the test VM (cgroup2)."""
import pytest

from cgroup_support import running, v1_only, v1_read, v2_read, with_resources
from support.config import base_config, sh


def _cfg(limit, args=("sleep", "100")):
    return with_resources(base_config(list(args)), {"pids": {"limit": limit}})


@v1_only
def test_v1_limit(rt):
    cid, _ = running(rt, _cfg(42))
    assert v1_read("pids", f"/{cid}", "pids.max") == "42"


@v1_only
def test_v1_minus_one_is_max(rt):
    cid, _ = running(rt, _cfg(-1))
    assert v1_read("pids", f"/{cid}", "pids.max") == "max"


@v1_only
def test_v1_limit_is_enforced_inside(rt):
    """With 4 tasks allowed (init sh + 3), the 4th background child fails."""
    script = "for i in 1 2 3 4 5; do sleep 30 & done 2>&1; wait"
    cfg = with_resources(sh(script), {"pids": {"limit": 4}})
    res = rt.run(cfg, timeout=60)
    assert "can't fork" in (res.out + res.err).lower() or "resource temporarily unavailable" in \
        (res.out + res.err).lower(), str(res)


@v1_only
def test_v1_zero_is_a_real_limit(rt):
    """The spec: 0 is a valid pids limit and SHOULD be treated as such (a
    container cannot start with it: the init itself could not be forked,
    so it is set by update on a running container)."""
    cid, _ = running(rt, _cfg(10))
    assert rt.runtime("update", "--pids-limit", "0", cid).rc == 0
    assert v1_read("pids", f"/{cid}", "pids.max") == "0"


@pytest.mark.cgroup2("pids")
def test_v2_limit(rt):
    cid, _ = running(rt, _cfg(42))
    assert v2_read(f"/{cid}", "pids.max") == "42"


@pytest.mark.cgroup2("pids")
def test_v2_minus_one_is_max(rt):
    cid, _ = running(rt, _cfg(-1))
    assert v2_read(f"/{cid}", "pids.max") == "max"


@pytest.mark.cgroup2("pids")
def test_v2_limit_is_enforced_inside(rt):
    cfg = with_resources(sh("for i in 1 2 3 4 5; do sleep 30 & done 2>&1; wait"), {"pids": {"limit": 4}})
    res = rt.run(cfg, timeout=60)
    text = (res.out + res.err).lower()
    assert "can't fork" in text or "resource temporarily unavailable" in text, str(res)
