# The benchmark is run by hand (see README.md here), never by pytest: it
# needs root, runc and crun, and minutes.  Its pure statistics are unit-tested
# in tests/unit/test_bench_stats.py.
collect_ignore_glob = ["*"]
