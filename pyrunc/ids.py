"""Container id validation, done by every verb before any path is built.

runc accepts ``^[\\w+\\-.]+$`` except ``.`` and ``..``; the id becomes a
directory name under --root, so it must also fit NAME_MAX.  Refusing here is
what keeps ``..`` or ``a/b`` from ever reaching ``os.path.join``.
"""
from pyrunc.errors import UsageError

MAX_ID_LENGTH = 255  # NAME_MAX: the id is a directory name
# \w in ASCII mode plus '+', '-', '.'; a set test avoids importing re (or
# string, which imports re).
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.")


def check_id(cid):
    """Return *cid* if it is a valid container id, else raise UsageError."""
    if cid is None or cid == "":
        raise UsageError("container id cannot be empty")
    if len(cid) > MAX_ID_LENGTH:
        raise UsageError(f"invalid container id: longer than {MAX_ID_LENGTH} characters")
    if cid in (".", "..") or not _ID_CHARS.issuperset(cid):
        raise UsageError(f"invalid container id {cid!r}: use letters, digits, '_', '+', '-' and '.'")
    return cid


def one_id(args, verb, extra=0):
    """The single container id a verb takes (plus up to *extra* more args)."""
    if not args:
        raise UsageError(f"{verb}: a container id is required")
    if len(args) > 1 + extra:
        raise UsageError(f"{verb}: unexpected arguments: {' '.join(args[1 + extra:])}")
    return check_id(args[0])
