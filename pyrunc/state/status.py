"""The lifecycle state machine of runtime.md, with status derived from live
facts rather than trusted from disk (runc ``refreshState``):

    init not alive (or pid reused, or a zombie)  -> stopped
    exec.fifo still present                      -> created
    cgroup frozen                                -> paused
    otherwise                                    -> running

and the questions verbs ask of it (youki ``container/state.rs``).
"""
from pyrunc import procfs

CREATING, CREATED, RUNNING, STOPPED, PAUSED = "creating", "created", "running", "stopped", "paused"


def derive(record, has_fifo, is_frozen=lambda: False):
    if not procfs.is_running(record.get("pid"), record.get("init_start_time")):
        return STOPPED
    if has_fifo:
        return CREATED
    if is_frozen():
        return PAUSED
    return RUNNING


def can_start(status):
    return status == CREATED


def can_kill(status):
    return status in (CREATED, RUNNING, PAUSED)


def can_delete(status):
    return status == STOPPED
