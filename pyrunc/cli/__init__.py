"""Command-line interface: runc's global flags and verbs (see main.py)."""
