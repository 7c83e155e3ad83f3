"""Log lines in runc's formats.

Engines pass ``--log FILE --log-format json`` and read the last error line of
that file (containerd's shim, conmon), so the json form must be exactly
``{"level": ..., "msg": ..., "time": ...}`` one object per line.  The text
form follows logrus's ``time="..." level=... msg="..."``.
"""
import os
import sys
import time

from pyrunc import fastjson

_LEVELS = {"debug": 0, "info": 1, "warning": 2, "error": 3}


class Logger:
    def __init__(self, path=None, fmt="text", debug=False):
        self.path = path
        self.fmt = fmt
        self.min_level = _LEVELS["debug"] if debug else _LEVELS["info"]

    @property
    def to_stderr(self):
        return not self.path

    def _format(self, level, msg):
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e9):09d}Z"
        if self.fmt == "json":
            return fastjson.dumps({"level": level, "msg": msg, "time": stamp})
        return f'time="{stamp}" level={level} msg={fastjson.dumps(msg)}'

    def log(self, level, msg):
        if _LEVELS[level] < self.min_level:
            return
        line = self._format(level, msg) + "\n"
        if self.path:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as e:
                sys.stderr.write(f"pyrunc: cannot open log file {self.path}: {e.strerror}\n")
                return
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        else:
            sys.stderr.write(line)
            sys.stderr.flush()

    def debug(self, msg):
        self.log("debug", msg)

    def info(self, msg):
        self.log("info", msg)

    def warning(self, msg):
        self.log("warning", msg)

    def error(self, msg):
        self.log("error", msg)


# The process-wide logger; the CLI configures it in place once the global
# flags are parsed, so modules may bind it at import time.
logger = Logger()


def configure(path=None, fmt="text", debug=False):
    logger.__init__(path, fmt, debug)
    return logger
