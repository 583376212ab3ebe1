"""`serve --workers` defaults to the CPUs the process may use: its affinity mask, capped by
a cgroup v2 or v1 CPU quota read from the files the kernel exposes; at least 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.cli import MAX_WORKERS, service_parser
from shared.cpus import cgroup_quota, quota_v1, quota_v2, usable_cpus
from tests.services import ROOT


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "cpus"),
    [("max 100000\n", None), ("150000 100000\n", 1.5), ("50000 100000", 0.5), ("", None)],
)
def test_a_cgroup_v2_cpu_max_file_is_read_as_cpus(tmp_path: Path, text: str, cpus: float) -> None:
    assert quota_v2(write(tmp_path / "cpu.max", text)) == cpus


def test_a_cgroup_v1_quota_of_minus_one_is_no_quota(tmp_path: Path) -> None:
    period = write(tmp_path / "cpu.cfs_period_us", "100000\n")
    assert quota_v1(write(tmp_path / "q1", "-1\n"), period) is None
    assert quota_v1(write(tmp_path / "q2", "300000\n"), period) == 3.0
    assert quota_v1(tmp_path / "missing", period) is None


def test_the_quota_of_the_processs_own_cgroup_caps_the_affinity_rounded_up(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc-cgroup", "0::/app.slice/svc\n")
    write(tmp_path / "root/app.slice/svc/cpu.max", "50000 100000\n")
    assert cgroup_quota(tmp_path / "root", proc) == 0.5
    assert usable_cpus(tmp_path / "root", proc) == 1  # half a CPU still runs one worker
    write(tmp_path / "root/app.slice/svc/cpu.max", "max 100000\n")
    assert usable_cpus(tmp_path / "root", proc) == len(os.sched_getaffinity(0))


def test_a_cgroup_v1_cpu_controller_is_found_through_proc(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc-cgroup", "4:memory:/x\n2:cpu,cpuacct:/box\n0::/\n")
    write(tmp_path / "root/cpu/box/cpu.cfs_quota_us", "100000\n")
    write(tmp_path / "root/cpu/box/cpu.cfs_period_us", "100000\n")
    assert cgroup_quota(tmp_path / "root", proc) == 1.0
    assert usable_cpus(tmp_path / "root", proc) == 1


def test_without_cgroup_files_the_affinity_mask_counts(tmp_path: Path) -> None:
    assert usable_cpus(tmp_path / "none", tmp_path / "none") == len(os.sched_getaffinity(0))


def test_a_process_pinned_to_one_cpu_defaults_to_one_worker() -> None:
    # The affinity path for real: a child pinned to one CPU builds the CLI's parser.
    code = (
        "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});"
        "from shared.cli import service_parser;"
        "print(service_parser('x', 'x', ()).parser.parse_args(['serve']).workers)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "1"


def test_serve_defaults_to_the_usable_cpus() -> None:
    args = service_parser("x", "x", ()).parser.parse_args(["serve"])
    assert args.workers == min(usable_cpus(), MAX_WORKERS)


def test_in_a_container_the_mounts_root_holds_the_quota(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc-cgroup", "0::/host/path/not/mounted\n")
    write(tmp_path / "root/cpu.max", "200000 100000\n")
    assert cgroup_quota(tmp_path / "root", proc) == 2.0
