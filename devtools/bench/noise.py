"""How much CPU other processes took while a load was measured: this machine is shared, and
a number measured beside someone's test suite says so in its row."""

from __future__ import annotations

import asyncio
import os
import resource
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

TICKS = os.sysconf("SC_CLK_TCK")
# The PostgreSQL sessions of the services under test carry this name (asyncpg passes URL
# query parameters on as server settings), so their backends count as ours.
APPLICATION_NAME = "oauth-bench"


@dataclass(frozen=True, slots=True)
class CpuSample:
    """CPU time so far, in clock ticks: the whole machine's busy time, and ours."""

    busy: int
    ours: int
    at: float


def machine_busy() -> int:
    """Busy ticks of every CPU since boot (/proc/stat's first line, less idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields[:8]) - fields[3] - fields[4]


def process_ticks(pid: int) -> int:
    """User and system ticks of one process (all its threads); 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def sample(pids: Iterable[int]) -> CpuSample:
    """Now: the machine's busy ticks; ours are these processes, this one, and reaped children
    (wrk, once it has exited)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    reaped = round((children.ru_utime + children.ru_stime) * TICKS)
    ours = sum(process_ticks(pid) for pid in {os.getpid(), *pids}) + reaped
    return CpuSample(machine_busy(), ours, time.monotonic())


def our_cores(before: CpuSample, after: CpuSample) -> float:
    """Cores' worth of CPU that the processes under test and wrk used between two samples."""
    seconds = after.at - before.at
    return (after.ours - before.ours) / TICKS / seconds if seconds > 0 else 0.0


def other_cores(before: CpuSample, after: CpuSample) -> float:
    """Cores' worth of CPU that processes not ours used between two samples."""
    seconds = after.at - before.at
    if seconds <= 0:
        return 0.0
    others = (after.busy - before.busy) - (after.ours - before.ours)
    return max(0.0, others / TICKS / seconds)


async def _backends(server_url: str) -> list[int]:
    connection = await asyncpg.connect(server_url, timeout=5)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1", APPLICATION_NAME
        )
    finally:
        await connection.close()
    return [int(row["pid"]) for row in rows]


def postgres_backends(server_url: str) -> list[int]:
    """The PostgreSQL backend processes serving the services under test."""
    try:
        return asyncio.run(_backends(server_url))
    except (OSError, asyncpg.PostgresError):
        return []
