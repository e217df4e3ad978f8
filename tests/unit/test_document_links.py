"""Every document's links resolve inside the repository: a clone has nothing beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", "node_modules", ".localcloud", "build", "dist", ".pytest_cache"}
# [text](target "title") and [label]: target; images too.
INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
# A path in a code span that climbs out of its folder: `../shared/DESIGN.md`.
CLIMBING = re.compile(r"`(\.\./[^`\s]+)`")
EXTERNAL = ("http://", "https://", "mailto:")


def documents() -> list[Path]:
    return sorted(
        p
        for p in REPO.rglob("*.md")
        if not SKIP_DIRS.intersection(p.relative_to(REPO).parts[:-1])
        and not any(part.startswith(".") for part in p.relative_to(REPO).parts[:-1])
    )


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE)}


def links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [m.group(1) for m in (*INLINE.finditer(text), *REFERENCE.finditer(text))]


def test_the_documents_are_found():
    found = {p.relative_to(REPO).as_posix() for p in documents()}
    assert {"README.md", "docs/architecture.md", "docs/protocol.md"} <= found


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_link_of_a_document_resolves_inside_the_repository(doc: Path):
    broken = []
    for target in links(doc):
        if target.startswith(EXTERNAL):
            continue
        file_part, _, fragment = target.partition("#")
        resolved = (doc.parent / file_part).resolve() if file_part else doc
        if not resolved.is_relative_to(REPO):
            broken.append(f"{target}: outside the repository")
        elif not resolved.exists():
            broken.append(f"{target}: no such file")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            broken.append(f"{target}: no heading #{fragment}")
    for climbing in CLIMBING.findall(doc.read_text(encoding="utf-8")):
        if not (doc.parent / climbing).resolve().is_relative_to(REPO):
            broken.append(f"`{climbing}`: outside the repository")
    assert broken == []


def test_the_readme_sends_newcomers_to_the_architecture_page():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "(docs/architecture.md)" in readme
