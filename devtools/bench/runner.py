"""Measuring one load: warm it, then measure it with wrk (optionally under py-spy)."""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from devtools.bench.deployment import postgres_server
from devtools.bench.noise import other_cores, our_cores, postgres_backends, sample
from devtools.bench.profile import profiled
from devtools.bench.services import Service, Supervisor, uses_uvloop
from devtools.bench.targets import POSTGRES, Measurement
from devtools.bench.wrk import Load, WrkResult, run_wrk

# Measure only as long as the pool lasts at 1.15x the warm-up rate.
POOL_MARGIN = 1.15


@dataclass(frozen=True, slots=True)
class Options:
    """How long to warm and measure, what to run, and where to put files."""

    warm: int = 2
    measure: int = 5
    connections: int = 64
    databases: tuple[str, ...] = ("sqlite", "postgresql")
    only: frozenset[str] = frozenset("abcdefghij")
    profile: frozenset[str] = frozenset()
    log_level: str = "warning"
    max_pool: int = 150_000
    launcher: str = "cli"
    workdir: Path = Path()
    results: Path = Path("bench/results")


@dataclass(frozen=True, slots=True)
class Case:
    """Which scenario, as the table names it."""

    scenario: str
    label: str
    workers: int
    connections: int
    database: str = ""


@dataclass
class Runner:
    """Runs measurements and keeps them, with notes about how the processes were run."""

    options: Options
    supervisor: Supervisor
    measurements: list[Measurement] = field(default_factory=list)
    loops: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    planned: int = 0
    """How many measurements the run will make, for the progress line."""
    started: float = field(default_factory=time.monotonic)

    def progress(self) -> str:
        """`[k/n, elapsed m:ss of about m:ss]`: the measurement just made, the time so far,
        and the whole run's time at the pace so far."""
        done = len(self.measurements)
        total = max(self.planned, done)
        elapsed = time.monotonic() - self.started
        expected = elapsed / done * total if done else 0.0
        return f"[{done}/{total}, {_clock(elapsed)} of about {_clock(expected)}]"

    def measure(self, case: Case, load: Load, service: Service, pool: int = 0) -> Measurement:
        """Warm, then measure; with a token pool, each token is sent at most once."""
        uvloop = uses_uvloop(self.supervisor.pids(service))
        self.loops[service.name] = uvloop
        workdir = self.options.workdir
        warm = run_wrk(
            load, connections=case.connections, seconds=self.options.warm, script_dir=workdir
        )
        seconds = self._seconds(case, warm, pool)
        ours = self._our_pids(case)
        before = sample(ours)
        with self._profiling(case, service, seconds):
            result = run_wrk(
                load,
                connections=case.connections,
                seconds=seconds,
                script_dir=workdir,
                first_token=warm.tokens_used,
            )
        after = sample(ours)
        others, used = other_cores(before, after), our_cores(before, after)
        problems: tuple[str, ...] = ()
        repeated = warm.tokens_used + result.tokens_used - pool if pool else 0
        if repeated > 0:
            problems = (f"{repeated} tokens repeated (pool {pool})",)
        measurement = Measurement(
            case.scenario,
            case.label,
            case.workers,
            case.connections,
            case.database,
            result,
            problems,
            loop="uvloop" if uvloop else "asyncio",
            other_cpu=others,
            our_cpu=used,
        )
        self.measurements.append(measurement)
        self._show(measurement, self.progress())
        return measurement

    def _our_pids(self, case: Case) -> list[int]:
        """Every process under test, and PostgreSQL's backends serving them."""
        pids = [pid for s in self.supervisor.services for pid in self.supervisor.pids(s)]
        if case.database == POSTGRES:
            pids += postgres_backends(postgres_server())
        return pids

    def _seconds(self, case: Case, warm: WrkResult, pool: int) -> int:
        """The measuring time; shorter when the token pool would not last at the warm rate."""
        seconds = self.options.measure
        if not pool or not warm.rps:
            return seconds
        lasts = int((pool - warm.tokens_used) / (POOL_MARGIN * warm.rps))
        if lasts < seconds:
            seconds = max(1, lasts)
            self.notes.append(
                f"({case.scenario}) at {case.workers} worker(s) measured {seconds} s, not "
                f"{self.options.measure} s: {pool:,} tokens last that long at "
                f"{warm.rps:,.0f} req/s (the warm-up rate)"
            )
        return seconds

    def _profiling(
        self, case: Case, service: Service, seconds: int
    ) -> contextlib.AbstractContextManager[None]:
        """py-spy on the service while it is measured, when asked for this scenario."""
        if case.scenario not in self.options.profile:
            return contextlib.nullcontext()
        name = f"{case.scenario}-w{case.workers}-c{case.connections}"
        name += f"-{case.database}" if case.database else ""
        folder = self.options.results / "profiles"
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / f"{name}.txt"
        return profiled(service.process.pid, seconds, out)

    @staticmethod
    def _show(m: Measurement, progress: str) -> None:
        r = m.result
        where = f"w{m.workers} c{m.connections}" + (f" {m.database}" if m.database else "")
        extra = f", cores: ours {m.our_cpu:.2f}, others {m.other_cpu:.2f}"
        extra += f", errors {r.errors}" if r.errors else ""
        print(
            f"  {progress} {m.scenario} {m.label} [{where}]: {r.rps:,.0f} req/s, "
            f"p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms{extra}",
            file=sys.stderr,
            flush=True,
        )


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"
