"""Building the container's filesystem view inside the init: mounts in
order, /dev, pivot_root (or MS_MOVE + chroot), read-only and masked paths.

Every path under the rootfs is resolved with ``openat2(RESOLVE_IN_ROOT)`` so
a symlink planted in the image cannot send a mount or a mkdir outside it
(CVE-2021-30465, CVE-2023-27561); mounts are made through the resulting fd
(``/proc/self/fd/N``), never through a path that could be swapped."""
