"""README.md's walkthrough, run as printed.

The only changes are the ones that keep a test from touching the user's
host: the bundle lives in the test's tmp dir instead of /tmp/demo, the
state root is the test's own (``--root``), and the container id is the
test's.  Everything else (the busybox commands, the sed edits of the
``pyrunc spec`` output, every pyrunc verb) is the README's text.
"""
import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def walkthrough_script():
    text = (REPO / "README.md").read_text()
    block = text.split("<!-- walkthrough -->", 1)[1]
    return re.search(r"```sh\n(.*?)```", block, re.S).group(1)


def test_walkthrough_runs_as_printed(rt):
    script = walkthrough_script()
    demo_dir = rt.tmp / "demo"
    cid = rt.new_id("-demo")
    binary = rt.runtime.binary
    script = script.replace("/tmp/demo", str(demo_dir))
    script = re.sub(r"\bpyrunc (\w+)", lambda m: f"{binary} --root {rt.root} {m.group(1)}", script)
    script = re.sub(r"\bdemo\b(?!/)", cid, script.replace(str(demo_dir), "@DIR@")).replace("@DIR@", str(demo_dir))
    proc = subprocess.run(["bash", "-euxo", "pipefail", "-c", script], capture_output=True, text=True,
                          timeout=120, env={"PATH": os.environ["PATH"]})
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "hello from pyrunc" in out
    statuses = re.findall(r'"status": "(\w+)"', out)
    assert statuses == ["created", "stopped"], out
    listed = [line for line in out.splitlines() if line.startswith(cid)]
    assert listed and " running " in listed[0], out
    assert not (rt.root / cid).exists()
