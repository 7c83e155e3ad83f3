"""The one owner of ``<root>/<id>/``: state.json, the exec fifo, the lock."""
