"""cgroup placement, limits and control for v1 (and hybrid) and v2 hosts
(config-linux.md "Control groups" and its resource sections).

- ``layout``: which hierarchies the host mounts (/proc/self/mountinfo);
- ``manager``: a container's cgroupsPath as one directory per hierarchy --
  create/join, place, freeze, signal, stats, remove -- dispatching resource
  writes to ``v1`` or ``v2`` by what the host mounts;
- ``v1/`` and ``v2/``: one module per spec resource section with the same
  name in each (memory, cpu, pids, block_io, hugepage_limits, network, rdma,
  devices; v2 adds unified), each ``apply(cg, section, warn)`` and
  ``stats(cg, out)``;
- ``resources`` (types, runc's 0-means-unset, update merging), ``convert``
  (runc's v1 -> v2 conversions), ``device_rules`` (the devices emulator
  shared by v1 devices.allow and the v2 eBPF filter), ``oom`` (OOM
  notifications for ``events``): pure or nearly so, unit-tested.

Every write goes through ``fs.write`` so an error names the field, the file
and the value.
"""
