"""How many CPUs this process may use: its affinity mask, lowered by a cgroup CPU quota
(v2 `cpu.max`, or v1 `cpu.cfs_quota_us` over `cpu.cfs_period_us`) when one is set; at least 1.
`serve --workers` defaults to it (SPEC "Configuration")."""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def quota_v2(cpu_max: Path) -> float | None:
    """CPUs allowed by a cgroup v2 `cpu.max` ("QUOTA PERIOD", or "max PERIOD": no quota)."""
    text = _read(cpu_max)
    if not text:
        return None
    fields = text.split()
    if fields[0] == "max":
        return None
    try:
        quota = int(fields[0])
        period = int(fields[1]) if len(fields) > 1 else 100_000
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def quota_v1(cfs_quota_us: Path, cfs_period_us: Path) -> float | None:
    """CPUs allowed by cgroup v1's CFS quota and period (a quota of -1: none)."""
    quota, period = _read(cfs_quota_us), _read(cfs_period_us)
    try:
        quota_us, period_us = int(quota or "-1"), int(period or "0")
    except ValueError:
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


def _cgroup_paths(proc_cgroup: Path) -> tuple[str | None, str | None]:
    """This process's cgroup v2 path and its v1 `cpu` controller path, from /proc."""
    unified = cpu = None
    for line in (_read(proc_cgroup) or "").splitlines():
        hierarchy, controllers, path = [*line.split(":", 2), "", ""][:3]
        if hierarchy == "0" and controllers == "":
            unified = path
        elif "cpu" in controllers.split(","):
            cpu = path
    return unified, cpu


def cgroup_quota(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """The CPU quota of this process's cgroup, v2 first, then v1; None when there is none.
    In a container /proc may name the host's path while the mount shows the cgroup itself at
    its root, so the root is tried when the named folder is absent."""
    unified, cpu = _cgroup_paths(proc_cgroup)
    if unified is not None:
        folder = _existing(root / unified.lstrip("/"), root)
        found = quota_v2(folder / "cpu.max")
        if found is not None:
            return found
    if cpu is not None:
        folder = _existing(root / "cpu" / cpu.lstrip("/"), root / "cpu")
        return quota_v1(folder / "cpu.cfs_quota_us", folder / "cpu.cfs_period_us")
    return None


def _existing(folder: Path, fallback: Path) -> Path:
    return folder if folder.is_dir() else fallback


def usable_cpus(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """The CPUs this process may run on, capped by its cgroup quota rounded up; at least 1."""
    try:
        allowed = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        allowed = os.cpu_count() or 1
    quota = cgroup_quota(root, proc_cgroup)
    if quota is not None:
        allowed = min(allowed, math.ceil(quota))
    return max(1, allowed)
