"""A symlink planted at <root>/<id> is never followed: no verb may read,
lock or empty what it points to."""
import os


def test_delete_force_of_a_symlinked_state_dir_leaves_its_target_alone(rt):
    victim = rt.tmp / "victim"
    victim.mkdir()
    (victim / "keep").write_text("precious")
    (victim / "state.json").write_text("{}")
    rt.root.mkdir(parents=True, exist_ok=True)
    cid = rt.new_id()
    link = rt.root / cid
    os.symlink(victim, link)
    try:
        for args in (("delete", "--force", cid), ("state", cid), ("kill", cid, "KILL"), ("delete", cid)):
            rt.runtime(*args)
        assert (victim / "keep").read_text() == "precious"
        assert (victim / "state.json").exists()
        res = rt.runtime("state", cid)
        assert res.rc == 1 and "does not exist" in res.err, str(res)
    finally:
        if os.path.islink(link):
            os.unlink(link)
