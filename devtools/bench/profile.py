"""Optional profiling of a service while it is measured: py-spy samples, summed per function."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

RATE = 200
# "function (path/to/file.py:123)" as py-spy writes a frame in its raw (collapsed) format.
_FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^():]+)(?::\d+)?\)$")


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A function and the share of samples it was on the stack (total) or on top (own)."""

    function: str
    total: float
    own: float


def py_spy() -> str | None:
    """py-spy's path, if installed (`.venv/bin/pip install py-spy`; not a project dependency)."""
    venv_copy = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "py-spy"
    return str(venv_copy) if venv_copy.exists() else shutil.which("py-spy")


def frame_name(frame: str) -> str | None:
    """`function (file)` without the line number; None for process and thread frames."""
    match = _FRAME.match(frame.strip())
    if match is None or match["file"].startswith("0x"):
        return None
    short = "/".join(Path(match["file"]).parts[-2:])
    return f"{match['function']} ({short})"


def summarize(collapsed: str) -> list[Hotspot]:
    """Every function's share of the samples, from py-spy's raw collapsed stacks."""
    total: Counter[str] = Counter()
    own: Counter[str] = Counter()
    samples = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        names = [n for n in (frame_name(f) for f in stack.split(";")) if n is not None]
        if not names:
            continue
        samples += count
        own[names[-1]] += count
        for name in set(names):
            total[name] += count
    if not samples:
        return []
    return [
        Hotspot(name, 100.0 * hits / samples, 100.0 * own[name] / samples)
        for name, hits in total.most_common()
    ]


def render(hotspots: list[Hotspot], top: int = 30) -> str:
    """The functions most often on the stack, then those most often on top of it."""
    header = f"{'total%':>7} {'own%':>6}  function"
    by_own = sorted(hotspots, key=lambda h: h.own, reverse=True)
    lines = ["# by samples with the function on the stack", header]
    lines += [f"{h.total:7.1f} {h.own:6.1f}  {h.function}" for h in hotspots[:top]]
    lines += ["", "# by samples with the function itself running", header]
    lines += [f"{h.total:7.1f} {h.own:6.1f}  {h.function}" for h in by_own[:top]]
    return "\n".join(lines)


@contextlib.contextmanager
def profiled(pid: int, seconds: float, out: Path) -> Iterator[None]:
    """Sample `pid` and its workers with py-spy for `seconds`; write the summary to `out`
    and keep py-spy's collapsed stacks beside it (for a flame graph). Each sample pauses the
    process for a moment: without that (--nonblocking) stacks come out torn, with C calls
    such as a socket write or an RSA verification on no caller's account."""
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    raw = out.with_suffix(".collapsed")
    command = [binary, "record", "--pid", str(pid), "--subprocesses"]
    command += ["--rate", str(RATE), "--duration", str(max(1, round(seconds))), "--format", "raw"]
    sampler = subprocess.Popen(
        [*command, "--output", str(raw)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield
    finally:
        _, errors = sampler.communicate(timeout=seconds + 30)
    text = raw.read_text() if raw.exists() else ""
    out.write_text(render(summarize(text)) + "\n" if text else errors.decode(errors="replace"))
