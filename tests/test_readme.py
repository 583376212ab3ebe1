"""The README stays a front door: short, every link alive, every package in its layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documentation import README, ROOT, anchors, links, pages, section

MAX_LINES = 250
SERVICE_TREES = ("auth_server", "resource_server", "shared")


def test_the_readme_is_at_most_250_lines() -> None:
    assert len(README.read_text().splitlines()) <= MAX_LINES


def local_links() -> list[tuple[Path, str]]:
    """Every relative link of the README and the docs pages, with the page it is on."""
    return [
        (page, target)
        for page in pages()
        for target in dict.fromkeys(links(page.read_text()))
        if not target.startswith(("http://", "https://", "mailto:"))
    ]


@pytest.mark.parametrize(
    ("page", "target"),
    local_links(),
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_every_relative_link_resolves(page: Path, target: str) -> None:
    path, _, fragment = target.partition("#")
    linked = (page.parent / path).resolve() if path else page
    assert linked.exists(), f"{page.name}: {target} names no file"
    if fragment:
        assert linked.suffix == ".md", f"{page.name}: {target} has an anchor but is not a page"
        assert fragment in anchors(linked.read_text()), f"{page.name}: no heading #{fragment}"


def test_the_pages_link_to_each_other() -> None:
    targets = [target.partition("#")[0] for target in links(README.read_text())]
    linked = {(README.parent / target).resolve() for target in targets}
    for page in pages()[1:]:
        assert page.resolve() in linked, f"the README does not link to docs/{page.name}"
        assert "../README.md" in links(page.read_text()), f"docs/{page.name} has no way back"


def packages() -> list[str]:
    """Every package directory of the services and `shared`, as `name/sub/`."""
    return sorted(
        f"{init.parent.relative_to(ROOT).as_posix()}/"
        for tree in SERVICE_TREES
        for init in (ROOT / tree).rglob("__init__.py")
    )


def test_the_layout_names_every_package() -> None:
    layout = section(README.read_text(), "Layout")
    missing = [package for package in packages() if package not in layout]
    assert not missing, f"the README's layout does not name {missing}"


def test_the_link_checker_knows_a_broken_link() -> None:
    markdown = "# A page\n\n## The `x` part (b)\n\n[a](#the-x-part-b) and `[c](nowhere.md)`\n"
    assert links(markdown) == ["#the-x-part-b"]
    assert anchors(markdown) == {"a-page", "the-x-part-b"}
    assert anchors("## Same\n\n## Same\n") == {"same", "same-1"}
