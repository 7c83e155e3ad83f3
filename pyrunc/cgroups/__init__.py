"""cgroup placement and control for v1 (and hybrid) and v2 hosts.

``layout.detect()`` reads which hierarchies the host mounts; ``manager``
turns a container's cgroupsPath into one directory per hierarchy and owns
creating, joining, signalling, freezing and removing them.  Every write goes
through ``fs.write`` so an error names the file and the value.
"""
