"""The whole plan for one container's init, built once in the parent
before the fork (so the init needs no parsing, no imports and no config
reads once it is inside the container)."""
import os
from pyrunc.record import record

from pyrunc.errors import ConfigError
from pyrunc.log import logger
from pyrunc.plan.mounts import plan_mounts, root_propagation
from pyrunc.plan.namespaces import plan_namespaces
from pyrunc.plan.process import plan_process
from pyrunc.plan.seccomp import plan_seccomp
from pyrunc.rootfs.devices import plan_devices
from pyrunc.security import selinux
from pyrunc.security.seccomp import compile_filter


@record
class ContainerPlan:
    id: str
    bundle: str
    rootfs: str
    readonly_root: bool
    no_pivot: bool
    no_new_keyring: bool
    preserve_fds: int
    namespaces: object      # NamespacePlan
    root_propagation: int
    mounts: tuple           # MountPlan
    devices: tuple          # Device
    populate_dev: bool      # False when /dev is bind-mounted from the host
    cgroup_mount: object    # rootfs.mounts.CgroupMountInfo
    hostname: object
    domainname: object
    sysctl: dict
    masked_paths: tuple
    readonly_paths: tuple
    process: object         # ProcessPlan
    hooks: dict             # config.hooks ({} when none)
    seccomp: object = None  # security.seccomp.Filter (compiled BPF) or None

    @property
    def in_userns(self):
        return self.namespaces.has("user")

    @property
    def has_create_hooks(self):
        return any(self.hooks.get(k) for k in ("prestart", "createRuntime", "createContainer"))


def rootfs_path(config, bundle):
    root = config.get("root")
    if not isinstance(root, dict) or not root.get("path"):
        raise ConfigError("root.path: required")
    path = root["path"]
    if not path.startswith("/"):
        path = os.path.join(bundle, path)
    path = os.path.realpath(path)
    if not os.path.isdir(path):
        raise ConfigError(f"root.path: {path} is not a directory")
    return path


def build(config, bundle, cid, *, cgroup_mount, no_pivot=False, no_new_keyring=False, preserve_fds=0):
    linux = config.get("linux") or {}
    mounts = selinux.label_mounts(plan_mounts(config), linux.get("mountLabel"))
    dev_bound = any(m.destination.rstrip("/") == "/dev" and m.is_bind for m in mounts)
    return ContainerPlan(
        id=cid,
        bundle=bundle,
        rootfs=rootfs_path(config, bundle),
        readonly_root=bool((config.get("root") or {}).get("readonly")),
        no_pivot=no_pivot,
        no_new_keyring=no_new_keyring,
        preserve_fds=preserve_fds,
        namespaces=plan_namespaces(config),
        root_propagation=root_propagation(config),
        mounts=mounts,
        devices=plan_devices(config),
        populate_dev=not dev_bound,
        cgroup_mount=cgroup_mount,
        hostname=config.get("hostname"),
        domainname=config.get("domainname"),
        sysctl=dict(linux.get("sysctl") or {}),
        masked_paths=tuple(linux.get("maskedPaths") or ()),
        readonly_paths=tuple(linux.get("readonlyPaths") or ()),
        process=plan_process(config),
        hooks=dict(config.get("hooks") or {}),
        seccomp=compile_filter(plan_seccomp(config), logger),
    )
