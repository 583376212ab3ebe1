"""The whole run as one SVG chart, drawn as text: for each row with a target, how far it got
towards that target (left: 1 is the target), and beside it the row against its ceiling
(right: 1 is the ceiling, hello-world or one core's raw RS256 signing)."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from devtools.bench.targets import Row

ROW_HEIGHT = 20
LABEL_WIDTH = 420
PANEL_WIDTH = 260
GAP = 30
TOP = 56
SCALE_TARGET = 2.0  # the left panel shows up to twice the target
MET, MISSED, OURS, GUIDE = "#2e7d32", "#c62828", "#1565c0", "#555"


def row_label(row: Row) -> str:
    """Scenario, label, workers, connections and database in one line."""
    m = row.measurement
    where = f"w{m.workers} c{m.connections}" + (f" {m.database}" if m.database else "")
    return f"({m.scenario}) {m.label} [{where}]"


def score(row: Row) -> float | None:
    """The worst of the row's targets, as reached over asked; None without one."""
    scores = [check.score for check in row.checks if check.score is not None]
    return min(scores) if scores else None


def _bar(x: float, y: float, length: float, colour: str, value: str) -> list[str]:
    return [
        f'<rect x="{x:.1f}" y="{y + 4:.1f}" width="{max(length, 1):.1f}" height="{ROW_HEIGHT - 8}"'
        f' fill="{colour}"/>',
        f'<text x="{x + max(length, 1) + 4:.1f}" y="{y + ROW_HEIGHT - 6:.1f}">{value}</text>',
    ]


def _panel_axis(x: float, height: float, title: str, one: float, guide: str) -> list[str]:
    return [
        f'<text x="{x:.1f}" y="{TOP - 30}" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{TOP + height:.1f}"'
        f' stroke="{GUIDE}"/>',
        f'<line x1="{x + one:.1f}" y1="{TOP - 6}" x2="{x + one:.1f}" y2="{TOP + height:.1f}"'
        f' stroke="{GUIDE}" stroke-dasharray="4 3"/>',
        f'<text x="{x + one:.1f}" y="{TOP - 10}" text-anchor="middle">{escape(guide)}</text>',
    ]


def render_svg(rows: Sequence[Row], title: str) -> str:
    """The chart of every row that has a target or a ratio."""
    shown = [row for row in rows if row.checks or row.ratio is not None]
    height = len(shown) * ROW_HEIGHT
    left = LABEL_WIDTH
    right = LABEL_WIDTH + PANEL_WIDTH + GAP + 40
    ratios = [row.ratio for row in shown if row.ratio is not None]
    ceiling_scale = max([1.25, *ratios]) * 1.05
    width = right + PANEL_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{TOP + height + 20}"'
        ' font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{TOP + height + 20}" fill="white"/>',
        f'<text x="8" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        *_panel_axis(left, height, "reached / target", PANEL_WIDTH / SCALE_TARGET, "target"),
        *_panel_axis(right, height, "ours / ceiling", PANEL_WIDTH / ceiling_scale, "ceiling"),
    ]
    for index, row in enumerate(shown):
        y = TOP + index * ROW_HEIGHT
        parts.append(f'<text x="8" y="{y + ROW_HEIGHT - 6}">{escape(row_label(row))}</text>')
        reached = score(row)
        if reached is not None:
            length = min(reached, SCALE_TARGET) / SCALE_TARGET * PANEL_WIDTH
            colour = MET if row.met else MISSED
            parts += _bar(left, y, length, colour, f"{reached:.2f}")
        if row.ratio is not None:
            length = row.ratio / ceiling_scale * PANEL_WIDTH
            parts += _bar(right, y, length, OURS, f"{row.ratio:.2f}x {escape(row.ceiling)}")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
