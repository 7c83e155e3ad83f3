"""Shared helpers for pyrunc's real-kernel integration tests.

The suite drives a runtime *binary* (pyrunc by default, any runc-compatible
runtime through ``PYRUNC_TEST_RUNTIME``) as a subprocess, the way engines do,
so the same tests can be pointed at runc to check that a behaviour the tests
expect is really runc's.  Modules:

- ``rootfs``  : a busybox root filesystem built from the host's busybox-static
- ``config``  : ``base_config()``, what ``runc spec`` writes, adapted for tests
- ``runtime`` : ``Runtime`` (the CLI as a subprocess) and ``Result``
- ``env``     : ``TestEnv``, one per test: ids, bundles, tracking, cleanup
- ``leaks``   : finding (and forcibly removing) what a test left behind
- ``proc``    : /proc and cgroup facts, polling helpers
- ``schema``  : validators for the upstream runtime-spec JSON schemas
"""
