"""The container's state directory ``<root>/<id>/``.

- state.json is written atomically (tmp file + rename) so a reader never
  sees half a file, even if the writer dies.  Not fsynced, as runc: the
  state describes processes, which a power loss ends anyway.
- Every verb holds an exclusive ``flock`` on the directory itself while it
  works, so concurrent commands on one id cannot interleave; no separate lock
  file is left behind.  A waiter that gets the lock after a ``delete`` finds
  the directory unlinked (st_nlink == 0) and reports the container gone.
- ``exec.fifo`` holds a created container: the init blocks reading it
  until ``start`` writes a byte (runtime.md "start").
"""
import fcntl
import os

from pyrunc import fastjson

from pyrunc.errors import ContainerExists, ContainerNotFound, PyruncError
from pyrunc.ids import check_id

STATE_FILE = "state.json"
FIFO_NAME = "exec.fifo"


class StateDir:
    """A locked ``<root>/<id>`` directory."""

    def __init__(self, root, cid, fd):
        self.root = root
        self.id = cid
        self.path = os.path.join(root, cid)
        self._fd = fd

    # -- opening -------------------------------------------------------
    @classmethod
    def create(cls, root, cid):
        """Make and lock the directory for a new container."""
        check_id(cid)
        try:
            os.makedirs(root, mode=0o711, exist_ok=True)
        except OSError as e:
            raise PyruncError(f"cannot create state root {root}: {e.strerror}") from None
        path = os.path.join(root, cid)
        try:
            os.mkdir(path, 0o711)
        except FileExistsError:
            raise ContainerExists(cid) from None
        except OSError as e:
            raise PyruncError(f"cannot create state directory {path}: {e.strerror}") from None
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return cls(root, cid, fd)

    @classmethod
    def open(cls, root, cid):
        """Lock an existing container's directory (waits for other verbs)."""
        check_id(cid)
        path = os.path.join(root, cid)
        try:
            # O_NOFOLLOW: a symlink planted at <root>/<id> must not make
            # delete empty whatever it points to
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError, OSError) as e:
            if isinstance(e, (FileNotFoundError, NotADirectoryError)) or e.errno == 40:  # ELOOP
                raise ContainerNotFound(cid) from None
            raise
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink == 0 or not os.path.exists(os.path.join(path, STATE_FILE)):
            os.close(fd)
            raise ContainerNotFound(cid)
        return cls(root, cid, fd)

    @property
    def fd(self):
        return self._fd

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- files ---------------------------------------------------------
    @property
    def fifo_path(self):
        return os.path.join(self.path, FIFO_NAME)

    def make_fifo(self):
        os.mkfifo(self.fifo_path, 0o622)

    def has_fifo(self):
        return os.path.exists(self.fifo_path)

    def remove_fifo(self):
        try:
            os.unlink(self.fifo_path)
        except FileNotFoundError:
            pass

    def write(self, record):
        """Atomically replace state.json with *record*."""
        tmp = os.path.join(self.path, f".{STATE_FILE}.tmp")
        data = fastjson.dumps(record).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(self.path, STATE_FILE))

    def read(self):
        try:
            with open(os.path.join(self.path, STATE_FILE), "rb") as f:
                return fastjson.loads(f.read())
        except FileNotFoundError:
            raise ContainerNotFound(self.id) from None
        except ValueError as e:
            raise PyruncError(f"container {self.id}: corrupt state file: {e}") from None

    def remove(self):
        """Delete the directory and everything in it (the lock goes with it)."""
        _remove_tree(self.path)
        self.close()


def _remove_tree(path):
    """rm -rf for a state directory (a handful of entries, no symlinks
    followed); shutil would cost delete ~10 ms of imports."""
    if os.path.islink(path):
        os.unlink(path)  # never what it points to
        return
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return
    except NotADirectoryError:
        os.unlink(path)
        return
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            _remove_tree(e.path)
        else:
            try:
                os.unlink(e.path)
            except FileNotFoundError:
                pass
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass


def remove_stale(root, cid):
    """Remove ``<root>/<id>`` left without a state.json by a create that was
    killed before it could clean up (runc's ``delete --force`` does this).
    The lock is taken first, so a create still in progress is waited for."""
    check_id(cid)
    path = os.path.join(root, cid)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return  # absent, or not a directory of ours (a symlink is never followed)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink and not os.path.exists(os.path.join(path, STATE_FILE)):
            StateDir(root, cid, None).remove()
    finally:
        os.close(fd)


def list_ids(root):
    try:
        return sorted(os.listdir(root))
    except FileNotFoundError:
        return []
