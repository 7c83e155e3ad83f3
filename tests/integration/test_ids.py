"""Container ids: runc's rule (``^[\\w+-.]+$``, not ``.``/``..``) applied by
every verb before any path is built; uniqueness; unknown ids."""
import os

import pytest

from support import asserts, proc
from support.config import base_config

INVALID_IDS = {
    "dotdot": "..",
    "dot": ".",
    "slash": "a/b",
    "dotdot-slash": "../escape",
    "absolute": "/abs",
    "empty": "",
    "space": "a b",
    "colon": "a:b",
    "newline": "a\nb",
    "non-ascii": "caf\u00e9",
    "too-long": "x" * 1025,
}

VERBS = {
    "create": lambda rt, cid: rt.runtime("create", "--bundle", rt.bundle(base_config(["true"])), cid),
    "run": lambda rt, cid: rt.runtime("run", "--bundle", rt.bundle(base_config(["true"])), cid),
    "start": lambda rt, cid: rt.runtime("start", cid),
    "state": lambda rt, cid: rt.runtime("state", cid),
    "kill": lambda rt, cid: rt.runtime("kill", cid, "KILL"),
    "delete": lambda rt, cid: rt.runtime("delete", cid),
    "delete-force": lambda rt, cid: rt.runtime("delete", "--force", cid),
}


@pytest.mark.parametrize("verb", list(VERBS))
def test_invalid_ids_are_refused_by_every_verb(rt, verb):
    """Every bad id for this verb (one container to protect per verb keeps
    the suite fast); all failures are reported together."""
    # a container that must survive whatever the verb does with a bad id
    keep = rt.create(base_config(["sleep", "100"]))
    failures = []
    for name, bad_id in INVALID_IDS.items():
        before = sorted(os.listdir(rt.root))
        res = VERBS[verb](rt, bad_id)
        try:
            asserts.error(res)
            assert sorted(os.listdir(rt.root)) == before, "state root changed"
            assert rt.canary.read_text() == "canary\n", "canary changed"
            assert sorted(os.listdir(rt.sandbox)) == ["canary", "root"], "files next to the root changed"
            assert rt.status(keep.cid) == "created", "the unrelated container changed"
        except AssertionError as e:
            failures.append(f"[{name}] {e}")
    assert not failures, f"{verb}: " + "\n".join(failures)


def test_valid_unusual_ids_are_accepted(rt):
    for cid in (f"{rt.token}_A.b+c-D", f"{rt.token}.", f"{rt.token}..x", "9" + rt.token):
        rt.track(cid)
        res = rt.create(base_config(["true"]), cid=cid)
        assert rt.state(res.cid)["id"] == cid
        asserts.ok(rt.runtime("delete", "--force", cid), f"delete {cid}")


def test_duplicate_id_is_refused_and_the_existing_container_untouched(rt):
    first = rt.create(base_config(["sleep", "100"]))
    before = rt.state(first.cid)
    other_bundle = rt.bundle(base_config(["true"]))
    res = rt.runtime("create", "--bundle", other_bundle, first.cid)
    asserts.error(res)
    after = rt.state(first.cid)
    assert after == before
    assert proc.is_alive(after["pid"])
    rt.start(first.cid)
    assert rt.status(first.cid) == "running"


def test_duplicate_id_of_a_running_container(rt):
    cid, pid = rt.started_container(base_config(["sleep", "100"]))
    asserts.error(rt.runtime("create", "--bundle", rt.bundle(base_config(["true"])), cid))
    st = rt.state(cid)
    assert st["status"] == "running" and st["pid"] == pid


@pytest.mark.runc_differs("runc 1.1.5 races on its exec fifo: both creates may fail")
@pytest.mark.parametrize("round_", range(3))
def test_concurrent_create_of_the_same_id(rt, round_):
    cid = rt.new_id()
    bundles = [rt.bundle(base_config(["sleep", "100"])) for _ in range(2)]
    procs = [rt.spawn("create", "--bundle", b, cid, cid=cid) for b in bundles]
    results = [p.wait() for p in procs]
    ok = [i for i, r in enumerate(results) if r.rc == 0]
    assert len(ok) == 1, "exactly one concurrent create must succeed:\n" + "\n".join(map(str, results))
    loser = results[1 - ok[0]]
    asserts.error(loser)
    st = rt.state(cid)
    assert st["status"] == "created"
    assert st["bundle"] == str(bundles[ok[0]])
    assert proc.is_alive(st["pid"])
    assert os.listdir(rt.root) == [cid]


@pytest.mark.parametrize("verb", ["start", "state", "kill", "delete"])
def test_unknown_id(rt, verb):
    asserts.not_exist(VERBS[verb](rt, rt.new_id()))
