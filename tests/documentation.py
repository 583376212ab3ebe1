"""Where the documentation lives, and how its links read, for tests that hold it to the code."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"

FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.MULTILINE)


def page(name: str) -> str:
    """The docs page `docs/<name>.md`."""
    return (DOCS / f"{name}.md").read_text()


def pages() -> list[Path]:
    """The README and every docs page."""
    return [README, *sorted(DOCS.glob("*.md"))]


def prose(markdown: str) -> str:
    """The text outside code blocks and code spans, where links and headings are."""
    return INLINE_CODE.sub("", FENCED.sub("", markdown))


def links(markdown: str) -> list[str]:
    """The targets of the Markdown links outside code."""
    return LINK.findall(prose(markdown))


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading's anchor in a page, repeated headings numbered as GitHub does."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for heading in HEADING.findall(FENCED.sub("", markdown)):
        slug = anchor(heading)
        found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return found


def section(markdown: str, title: str) -> str:
    """The text under the level-two heading `title`, up to the next level-two heading."""
    start = markdown.index(f"\n## {title}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : None if end < 0 else end]


def walkthrough() -> str:
    """The README's quick-start walkthrough: its shell block that begins at step 1."""
    blocks = re.findall(r"^```sh\n(.*?)^```", README.read_text(), re.MULTILINE | re.DOTALL)
    (block,) = [str(block) for block in blocks if block.startswith("# 1.")]
    return block
