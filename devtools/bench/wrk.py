"""The load generator: wrk with one thread, Lua scripts for bodies and tokens, JSON results."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKER = "BENCH_JSON "
WRK_TIMEOUT = "5s"

# done() runs in wrk's main Lua state: the per-thread token counters come through
# thread:get(). Numbers are written with %.1f so that every Lua flavour formats them.
_DONE = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local used = 0
  for _, t in ipairs(threads) do used = used + (t:get("used") or 0) end
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%.1f,"duration_us":%.1f,"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,' ..
    '"max_us":%.1f,"connect":%.1f,"read":%.1f,"write":%.1f,"status":%.1f,"timeout":%.1f,' ..
    '"used":%.1f}\n',
    "BENCH_JSON ", summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, used))
end
"""

# One request per token (or DPoP proof) from a file, never the same one twice while the file
# lasts; POOL_HEADER and POOL_PREFIX say where each line goes, beside wrk.headers.
_TOKEN_POOL = r"""
local bearers = {}
local index = 0
used = 0
function init(args)
  for line in io.lines(args[1]) do bearers[#bearers + 1] = POOL_PREFIX .. line end
  index = tonumber(args[2])
end
function request()
  index = index + 1
  if index > #bearers then index = 1 end
  used = used + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers[POOL_HEADER] = bearers[index]
  return wrk.format(nil, nil, headers)
end
"""


# One request per body from a file (a refresh token or a code each), as with tokens above.
_BODY_POOL = r"""
local bodies = {}
local index = 0
used = 0
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  index = tonumber(args[2])
end
function request()
  index = index + 1
  if index > #bodies then index = 1 end
  used = used + 1
  return wrk.format(nil, nil, nil, bodies[index])
end
"""


@dataclass(frozen=True, slots=True)
class Load:
    """What wrk sends: a URL, a method, headers, a body, or a file of tokens (one bearer
    token a line) or of bodies (one form body a line) to send once each."""

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    token_file: Path | None = None
    pool_header: str = "Authorization"
    pool_prefix: str = "Bearer "
    body_file: Path | None = None

    @property
    def pool_file(self) -> Path | None:
        """The file of one-use lines, if any."""
        return self.token_file or self.body_file


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run, summarised: counts, duration and latency percentiles."""

    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    non_2xx: int
    tokens_used: int

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def errors(self) -> int:
        """Anything but a 2xx/3xx answer: socket errors, timeouts, HTTP 4xx/5xx."""
        return self.socket_errors + self.non_2xx


def lua_string(value: str) -> str:
    """A Lua string literal for any text."""
    return json.dumps(value)


def render_script(load: Load) -> str:
    """The Lua script that makes wrk send `load` and print its JSON summary."""
    lines = [f"wrk.method = {lua_string(load.method)}"]
    if load.body is not None:
        lines.append(f"wrk.body = {lua_string(load.body)}")
    for name, value in load.headers:
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    if load.token_file is not None:
        lines.append(f"POOL_HEADER = {lua_string(load.pool_header)}")
        lines.append(f"POOL_PREFIX = {lua_string(load.pool_prefix)}")
        lines.append(_TOKEN_POOL)
    elif load.body_file is not None:
        lines.append(_BODY_POOL)
    lines.append(_DONE)
    return "\n".join(lines) + "\n"


def parse_output(stdout: str) -> WrkResult:
    """The summary that the Lua done() printed, from wrk's whole standard output."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            return result_from(json.loads(line[len(MARKER) :]))
    raise ValueError("wrk printed no summary line; is the script's done() missing?")


def result_from(raw: Mapping[str, Any]) -> WrkResult:
    """A WrkResult from done()'s numbers (microseconds, counts)."""
    return WrkResult(
        requests=int(raw["requests"]),
        duration_s=float(raw["duration_us"]) / 1e6,
        p50_ms=float(raw["p50_us"]) / 1000,
        p90_ms=float(raw["p90_us"]) / 1000,
        p99_ms=float(raw["p99_us"]) / 1000,
        max_ms=float(raw["max_us"]) / 1000,
        socket_errors=int(sum(raw[k] for k in ("connect", "read", "write", "timeout"))),
        non_2xx=int(raw["status"]),
        tokens_used=int(raw["used"]),
    )


def wrk_binary() -> str:
    """wrk's path; `make wrk` installs Debian's package when it is missing."""
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed: run `make wrk` (apt-get install -y wrk)")
    return path


def run_wrk(
    load: Load, *, connections: int, seconds: int, script_dir: Path, first_token: int = 0
) -> WrkResult:
    """Drive `load` for `seconds` (wrk takes whole seconds) from one wrk thread."""
    script = script_dir / f"load-{abs(hash(load))}.lua"
    script.write_text(render_script(load))
    command: list[str] = [
        wrk_binary(),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "-s",
        str(script),
        load.url,
    ]
    if load.pool_file is not None:
        command += ["--", str(load.pool_file), str(first_token)]
    return parse_output(_run(command, seconds))


def _run(command: Sequence[str], seconds: int) -> str:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    if done.returncode != 0:
        output = (done.stderr.strip() or done.stdout.strip())[-500:]
        raise RuntimeError(f"wrk failed ({done.returncode}): {output}")
    return done.stdout
