"""Reading and checking bundles: config.json loading (bundle.py), the
schema and semantic checks (validate.py), and ``pyrunc spec`` defaults
(default.py).  Nothing here makes a syscall beyond reading files."""
