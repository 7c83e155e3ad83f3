"""One-line descriptions of exceptions raised inside the children."""


def describe(exc):
    if isinstance(exc, OSError):
        text = exc.strerror or str(exc)
        if exc.filename:
            return f"{exc.filename}: {text}"
        return text
    return str(exc) or type(exc).__name__
