"""`make bench`: both services' throughput and latency against ceilings measured in the same
run (issues 8 and 22); prints one table and saves it under bench/results/, a whole run also
into docs/benchmarks.md with its chart."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType

from devtools.bench.ceilings import CryptoCeilings, measure_crypto
from devtools.bench.default_serve import run_default, run_eddsa, run_gunicorn
from devtools.bench.deployment import database_url, new_deployment, register_client
from devtools.bench.jws_compare import SigningCost, measure_signing, signing_notes
from devtools.bench.plan import planned
from devtools.bench.report import Machine, Report, load_average, render_text, save, this_machine
from devtools.bench.runner import Options, Runner
from devtools.bench.scenarios import run_ceilings, run_deployment, run_fresh_tokens
from devtools.bench.services import ROOT, ServiceFailed, Supervisor, python_env
from devtools.bench.targets import (
    CODE,
    DEFAULT_SERVE,
    EDDSA,
    FRESH_TOKENS,
    GUNICORN,
    REFRESH,
    evaluate,
)
from shared.cpus import usable_cpus

RESULTS = ROOT / "bench" / "results"
PAGE = ROOT / "docs" / "benchmarks.md"


def parse(argv: Sequence[str] | None) -> Options:
    """The command line as Options."""
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__)
    parser.add_argument("--warm", type=int, default=2, help="whole seconds (default 2)")
    parser.add_argument("--measure", type=int, default=5, help="whole seconds (default 5)")
    parser.add_argument("--connections", type=int, default=64, help="for (b)-(e), ceilings")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--only", default="abcdefghijk", help="scenarios to run, e.g. ac")
    parser.add_argument(
        "--profile", default="", help="scenarios to sample with py-spy while measured, e.g. ac"
    )
    parser.add_argument("--log-level", default="warning", help="of every process measured")
    parser.add_argument(
        "--max-pool", type=int, default=150_000, help="most tokens minted for (c) (default 150k)"
    )
    parser.add_argument(
        "--launcher",
        choices=("cli", "run"),
        default="cli",
        help="cli: `python -m auth_server serve` (default); run: the services' create_app "
        "through shared.serve.run (uvloop), as the bench app runs",
    )
    args = parser.parse_args(argv)
    return Options(
        warm=args.warm,
        measure=args.measure,
        connections=args.connections,
        databases=tuple(d for d in args.databases.split(",") if d),
        only=frozenset(args.only),
        profile=frozenset(args.profile),
        log_level=args.log_level,
        max_pool=args.max_pool,
        launcher=args.launcher,
        results=RESULTS,
    )


def execute(runner: Runner) -> None:
    """Ceilings first, then each database's deployment, then (c)."""
    options = runner.options
    env = python_env()
    run_ceilings(runner, env)
    for index, database in enumerate(options.databases):
        with database_url(database, options.workdir) as url:
            data_dir = options.workdir / f"data-{database}"
            data_dir.mkdir()
            deployment = new_deployment(database, url, data_dir, options.log_level)
            run_deployment(runner, deployment, first=index == 0)
            if {DEFAULT_SERVE, REFRESH, CODE} & options.only:
                run_default(runner, deployment, register_client(deployment))
            if GUNICORN in options.only:
                run_gunicorn(runner, deployment, register_client(deployment))
        if EDDSA in options.only:
            run_eddsa(runner, database)
    if FRESH_TOKENS in options.only:
        run_fresh_tokens(runner, env)
    run_ceilings(runner, env, again=True)


def notes(runner: Runner, signing: list[SigningCost]) -> list[str]:
    """How the processes were run, where that differs from what was asked, and the signing
    comparison against (i)'s rate."""
    found = [*runner.supervisor.notes, *runner.notes]
    rates = {
        alg: max(
            (
                m.result.rps
                for m in runner.measurements
                if m.scenario == row and m.connections == 64
            ),
            default=0.0,
        )
        for alg, row in (("RS256", DEFAULT_SERVE), ("EdDSA", EDDSA))
    }
    found += signing_notes(signing, rates, usable_cpus())
    for name, uvloop in sorted(runner.loops.items()):
        if not uvloop:
            found.append(f"{name} ran on asyncio's default event loop, not uvloop")
    return found


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def report(
    runner: Runner,
    crypto: CryptoCeilings,
    started: float,
    before: Machine,
    signing: list[SigningCost],
) -> Report:
    """Evaluate what was measured; print the table."""
    rows = evaluate(runner.measurements, crypto, usable_cpus())
    machine = replace(before, load_after=load_average())
    options = runner.options
    settings = {
        "warm_s": options.warm,
        "measure_s": options.measure,
        "log_level": options.log_level,
        "launcher": options.launcher,
        "seconds": round(time.monotonic() - started),
    }
    result = Report(tuple(rows), crypto, machine, settings, tuple(notes(runner, signing)))
    print(render_text(result.rows, crypto, machine))
    for note in result.notes:
        print(f"note: {note}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Measure everything, print the table, save it; stop every process however it ends."""
    options = parse(argv)
    # Only a whole run with the default settings speaks for the docs; a partial one (--only,
    # --databases, other timings) is kept beside it, not instead of it.
    whole = replace(options, profile=frozenset()) == parse([])
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    machine = this_machine()
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        options = replace(options, workdir=Path(workdir))
        supervisor = Supervisor(Path(workdir), always_launch=options.launcher == "run")
        runner = Runner(options, supervisor, planned=planned(options))
        crypto = CryptoCeilings(0, 0)
        signing: list[SigningCost] = []
        try:
            print("measuring raw RS256 on one core ...", file=sys.stderr, flush=True)
            crypto = measure_crypto()
            print("comparing JWS signing: ours, pyjwt's jwt.encode ...", file=sys.stderr)
            signing = measure_signing()
            execute(runner)
            print("measuring raw RS256 on one core again ...", file=sys.stderr, flush=True)
            crypto = crypto.best_of(measure_crypto())
        except KeyboardInterrupt:
            print("interrupted: stopping every process", file=sys.stderr)
            return 130
        except (ServiceFailed, RuntimeError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            report(runner, crypto, started, machine, signing)
            return 1
        finally:
            runner.supervisor.stop_all()
    result = report(runner, crypto, started, machine, signing)
    saved = save(result, RESULTS, PAGE if whole else None)
    also = ", bench/results/latest.json, docs/benchmarks.md" if whole else ""
    also = also or " (a partial run)"
    print(f"saved {saved.relative_to(ROOT)}{also}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
