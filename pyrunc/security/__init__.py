"""Capabilities now; seccomp, AppArmor and SELinux in their own modules."""
