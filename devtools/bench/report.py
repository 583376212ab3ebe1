"""The report: one table (text for the terminal, Markdown for docs/benchmarks.md), the machine
it ran on, and the same as JSON under bench/results/."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devtools.bench.ceilings import CryptoCeilings
from devtools.bench.chart import render_svg
from devtools.bench.targets import FORM, HELLO, Row

HEADERS = (
    "scenario", "workers", "conns", "database", "loop", "req/s", "p50 ms", "p99 ms", "others",
    "ratio",
)  # fmt: skip
NUMERIC = frozenset({5, 6, 7, 8})
OTHERS_NOTE = (
    "others: cores' worth of CPU that processes not under test (other users' jobs) took "
    "during the measurement; rows with much are noisy"
)
TARGET_HEADERS = ("target", "met")


@dataclass(frozen=True, slots=True)
class Machine:
    """What the numbers were measured on, and how busy it was."""

    cpu: str
    cores: int
    python: str
    wrk: str
    date: str
    load_before: str
    load_after: str = ""


def cpu_model() -> str:
    """The first `model name` of /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


def wrk_version() -> str:
    """wrk's first line of `--version` (it exits 1 after printing it)."""
    try:
        done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return "missing"
    return (done.stdout or done.stderr).split(" Copyright")[0].strip()


def this_machine() -> Machine:
    """The machine now: CPU, cores, Python, wrk, UTC date and load."""
    return Machine(
        cpu=cpu_model(),
        cores=os.cpu_count() or 0,
        python=platform.python_version(),
        wrk=wrk_version(),
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        load_before=load_average(),
    )


def cells(row: Row) -> list[str]:
    """One row's cells, in HEADERS + TARGET_HEADERS order."""
    m, r = row.measurement, row.measurement.result
    ratio = f"{row.ratio:.2f}x {row.ceiling}" if row.ratio is not None else ""
    target = "; ".join(check.text for check in row.checks)
    met = {True: "✓", False: "✗", None: ""}[row.met]
    return [
        m.label if m.scenario in (HELLO, FORM) else f"({m.scenario}) {m.label}",
        str(m.workers),
        str(m.connections),
        m.database or "-",
        m.loop,
        f"{r.rps:,.0f}",
        f"{r.p50_ms:.2f}",
        f"{r.p99_ms:.2f}",
        f"{m.other_cpu:.2f}",
        ratio,
        target,
        met,
    ]


def crypto_lines(crypto: CryptoCeilings) -> list[str]:
    """The raw ceilings, in words."""
    return [
        f"raw RS256 (RSA-2048, PKCS#1 v1.5, SHA-256) on one core via cryptography: "
        f"sign {crypto.sign_per_s:,.0f}/s, verify {crypto.verify_per_s:,.0f}/s"
        " (the higher of two readings, at the start and the end of the run)"
    ]


def machine_line(machine: Machine) -> str:
    """The machine in one line."""
    return (
        f"{machine.cpu}, {machine.cores} cores, Python {machine.python}, {machine.wrk}, "
        f"{machine.date}; load average before {machine.load_before}, after {machine.load_after}"
    )


def render_text(rows: Sequence[Row], crypto: CryptoCeilings, machine: Machine) -> str:
    """The table for a terminal: aligned columns, then the ceilings and the machine."""
    table = [[*HEADERS, *TARGET_HEADERS], *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = []
    for line in table:
        padded = [
            cell.rjust(widths[i]) if i in NUMERIC else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        lines.append("  ".join(padded).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    footer = [*crypto_lines(crypto), machine_line(machine), OTHERS_NOTE]
    return "\n".join([*lines, "", *footer])


def render_markdown(
    rows: Sequence[Row], crypto: CryptoCeilings, machine: Machine, notes: Sequence[str] = ()
) -> str:
    """The same table in Markdown, for docs/benchmarks.md to quote, with the run's notes."""
    header = [*HEADERS, *TARGET_HEADERS]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i in NUMERIC else "---" for i in range(len(header))) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(row)) + " |")
    lines_below = [*crypto_lines(crypto), f"machine: {machine_line(machine)}", OTHERS_NOTE]
    footer = [f"- {line}" for line in [*lines_below, *notes]]
    return "\n".join([*lines, "", *footer]) + "\n"


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one run produced."""

    rows: tuple[Row, ...]
    crypto: CryptoCeilings
    machine: Machine
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def to_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON values."""
    rows = []
    for row in report.rows:
        m = row.measurement
        rows.append(
            {
                **{k: v for k, v in asdict(m).items() if k != "result"},
                **asdict(m.result),
                "rps": round(m.result.rps, 1),
                "ratio": None if row.ratio is None else round(row.ratio, 4),
                "ceiling": row.ceiling,
                "checks": [asdict(c) for c in row.checks],
                "met": row.met,
            }
        )
    return {
        "machine": asdict(report.machine),
        "settings": report.settings,
        "ceilings": asdict(report.crypto),
        "rows": rows,
        "notes": list(report.notes),
    }


def _write(path: Path, text: str) -> None:
    """Write through a temporary file, so a reader never sees half a file."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text)
    partial.replace(path)


TABLE_START = "<!-- bench-table:start (written by make bench) -->"
TABLE_END = "<!-- bench-table:end -->"


def quote_in_page(page: Path, markdown: str) -> bool:
    """Put the table between the page's two markers; False when they are missing."""
    text = page.read_text()
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        return False
    before, after = text[: start + len(TABLE_START)], text[end:]
    _write(page, f"{before}\n{markdown}{after}")
    return True


def chart_title(machine: Machine) -> str:
    """What the chart shows, and where and when it was measured."""
    return f"make bench, {machine.date}: {machine.cpu}, {machine.cores} cores"


def save(report: Report, results: Path, page: Path | None) -> Path:
    """bench/results/<UTC timestamp>.json, then, unless `page` is None (a partial run),
    latest.json, the Markdown table quoted in `page`, its one copy, and the chart beside
    `page` (the same name, .svg)."""
    results.mkdir(parents=True, exist_ok=True)
    document = json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
    stamped = results / (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ".json")
    _write(stamped, document)
    if page is None:
        return stamped
    _write(results / "latest.json", document)
    markdown = render_markdown(report.rows, report.crypto, report.machine, report.notes)
    if not quote_in_page(page, markdown):
        print(f"note: {page.name} has no bench-table markers; table not quoted there")
    _write(page.with_suffix(".svg"), render_svg(report.rows, chart_title(report.machine)))
    return stamped
