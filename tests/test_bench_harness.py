"""The bench harness keeps working: wrk's Lua summary is parsed, ratios and targets computed
(on a fixed sample; no wrk, no services, no timing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.bench.ceilings import CryptoCeilings
from devtools.bench.report import (
    TABLE_END,
    TABLE_START,
    Machine,
    quote_in_page,
    render_markdown,
    render_text,
)
from devtools.bench.targets import Measurement, evaluate
from devtools.bench.wrk import Load, WrkResult, parse_output, render_script
from tests.documentation import page

WRK_STDOUT = """\
Running 5s test @ http://127.0.0.1:41234/hello
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.39ms  512.00us  23.59ms   90.00%
    Req/Sec    26.84k     1.20k   28.00k    80.00%
  133712 requests in 5.00s, 20.40MB read
Requests/sec:  26742.40
Transfer/sec:      4.08MB
BENCH_JSON {"requests":133712.0,"duration_us":5000000.0,"p50_us":2380.0,"p90_us":3100.0,\
"p99_us":4250.0,"max_us":23591.0,"connect":0.0,"read":1.0,"write":0.0,"status":2.0,\
"timeout":0.0,"used":40000.0}
"""


def result(rps: float, p99_ms: float = 1.0, errors: int = 0) -> WrkResult:
    return WrkResult(
        requests=int(rps * 5),
        duration_s=5.0,
        p50_ms=p99_ms / 2,
        p90_ms=p99_ms / 1.5,
        p99_ms=p99_ms,
        max_ms=p99_ms * 2,
        socket_errors=0,
        non_2xx=errors,
        tokens_used=0,
    )


def test_the_lua_summary_is_parsed_from_wrk_output() -> None:
    parsed = parse_output(WRK_STDOUT)
    assert parsed.requests == 133712
    assert parsed.rps == pytest.approx(26742.4)
    assert (parsed.p50_ms, parsed.p90_ms, parsed.p99_ms) == (2.38, 3.1, 4.25)
    assert parsed.max_ms == pytest.approx(23.591)
    assert (parsed.socket_errors, parsed.non_2xx, parsed.errors) == (1, 2, 3)
    assert parsed.tokens_used == 40000


def test_output_without_a_summary_is_an_error() -> None:
    with pytest.raises(ValueError, match="no summary"):
        parse_output("Running 5s test @ http://127.0.0.1:1/\nRequests/sec: 1.00\n")


def test_scripts_set_bodies_headers_and_the_token_pool() -> None:
    form = render_script(Load("http://h/token", "POST", (("Authorization", 'Basic "x"'),), "a=1"))
    assert 'wrk.method = "POST"' in form
    assert 'wrk.body = "a=1"' in form
    assert 'wrk.headers["Authorization"] = "Basic \\"x\\""' in form
    assert "function done(" in form
    assert "function request(" not in form
    pool = render_script(Load("http://h/protected", token_file=Path("/tmp/tokens.txt")))
    assert "function request(" in pool
    assert "io.lines(args[1])" in pool


def m(
    scenario: str,
    workers: int,
    rps: float,
    *,
    connections: int = 64,
    database: str = "",
    p99: float = 1.0,
    errors: int = 0,
) -> Measurement:
    return Measurement(scenario, scenario, workers, connections, database, result(rps, p99, errors))


def sample() -> list[Measurement]:
    return [
        m("hello", 1, 10_000),
        m("hello", 2, 16_000),
        m("a", 1, 800, connections=4, database="sqlite", p99=12.0),
        m("a", 2, 1_400, connections=4, database="sqlite"),
        m("b", 1, 9_000),
        m("b", 2, 8_000),
        m("c", 1, 4_000, errors=3),
        m("d", 1, 6_000, database="postgresql", p99=20.0),
        m("d", 1, 3_000, database="sqlite", p99=30.0),
        m("e", 1, 9_500),
    ]


def test_ratios_go_to_the_right_ceiling_and_targets_are_checked() -> None:
    rows = evaluate(sample(), CryptoCeilings(sign_per_s=1_000, verify_per_s=40_000))
    by = {(r.measurement.scenario, r.measurement.workers, r.measurement.database): r for r in rows}
    token1 = by["a", 1, "sqlite"]
    assert token1.ratio == pytest.approx(0.8)
    assert token1.ceiling == "sign/core"
    assert [c.text for c in token1.checks] == ["≥0.60"]  # issue 22: no p99 target for (a)
    assert token1.met is True
    assert by["a", 2, "sqlite"].ratio == pytest.approx(1.4)
    assert by["a", 2, "sqlite"].met is None  # no target for two workers
    assert by["b", 1, ""].ratio == pytest.approx(0.9)
    assert by["b", 1, ""].met is None  # its target is against (b0), not measured here
    assert by["c", 1, ""].met is False  # 0.40 of hello-world, but 3 failed requests
    assert [c.text for c in by["c", 1, ""].checks] == ["≥0.40", "3 errors"]
    assert by["d", 1, "postgresql"].met is None  # issue 22 sets (d) no target
    assert by["e", 1, ""].ratio == pytest.approx(0.95)
    assert by["e", 1, ""].met is None
    assert by["hello", 1, ""].ratio is None


def test_the_table_renders_as_text_and_markdown() -> None:
    rows = evaluate(sample(), CryptoCeilings(sign_per_s=1_000, verify_per_s=40_000))
    machine = Machine("Some CPU", 2, "3.11.7", "wrk 4.1.0", "2025-01-01 00:00 UTC", "0.1 0 0")
    text = render_text(rows, CryptoCeilings(1_000, 40_000), machine)
    assert "0.80x sign/core" in text
    assert "✗" in text
    assert "Some CPU, 2 cores" in text
    markdown = render_markdown(rows, CryptoCeilings(1_000, 40_000), machine)
    assert markdown.startswith("| scenario |")
    assert markdown.count("\n|") == len(rows) + 1


def test_fresh_tokens_are_compared_with_naive_decoding_when_both_ran() -> None:
    naive = Measurement("c0", "naive", 1, 64, "", result(2_000))
    rows = evaluate([*sample(), naive], CryptoCeilings(1_000, 40_000))
    fresh = next(r for r in rows if r.measurement.scenario == "c")
    assert [c.text for c in fresh.checks][:2] == ["≥2x (c0) (2.00x)", "≥0.40"]
    assert fresh.checks[0].met is True
    assert rows[-1].ratio == pytest.approx(0.2)
    assert rows[-1].met is None


def test_a_whole_run_quotes_its_table_between_the_page_markers(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Title\n\n{TABLE_START}\nold table\n{TABLE_END}\n\n## Next\n")
    assert quote_in_page(page, "| new | table |\n")
    assert quote_in_page(page, "| newer | table |\n")  # again: replaced, not added
    text = page.read_text()
    assert "old table" not in text
    assert "| new |" not in text
    assert f"{TABLE_START}\n| newer | table |\n{TABLE_END}\n\n## Next\n" in text
    unmarked = tmp_path / "OTHER.md"
    unmarked.write_text("no markers\n")
    assert not quote_in_page(unmarked, "| t |\n")
    assert unmarked.read_text() == "no markers\n"


def test_ratios_use_the_higher_of_two_ceiling_readings() -> None:
    slow_start = [m("hello", 1, 5_000), *sample()[1:], m("hello", 1, 10_000)]
    rows = evaluate(slow_start, CryptoCeilings(1_000, 40_000))
    protected = next(
        r for r in rows if r.measurement.scenario == "b" and r.measurement.workers == 1
    )
    assert protected.ratio == pytest.approx(0.9)  # 9,000 against 10,000, not 5,000
    assert CryptoCeilings(900, 41_000).best_of(CryptoCeilings(1_000, 40_000)) == CryptoCeilings(
        1_000, 41_000
    )


def test_the_benchmarks_page_has_the_markers_a_whole_run_writes_between() -> None:
    text = page("benchmarks")
    assert text.count(TABLE_START) == text.count(TABLE_END) == 1
    assert text.index(TABLE_START) < text.index(TABLE_END)
