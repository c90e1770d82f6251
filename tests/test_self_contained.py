"""The repository is enough: nothing in it reads a file outside the repository.

A newcomer has a clone and nothing beside it, so no code, test, setting or
document of the project may point at a folder next to the repository (the
reference folder ``shared/`` its authors had, ``../shared``) or at an absolute
path of a developer's machine. Test data lives in the test tree
(``peerpath/measures/tests/data/redcap``, with its origin and licence).

Two checks over the files git tracks:

* no text file names such a path (a path in a comment counts too: it sends the
  reader somewhere the clone does not have);
* no Python file climbs from ``__file__`` above the repository root
  (``Path(__file__).resolve().parents[3].parent`` from a file three folders deep).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

# Paths that only exist on the authors' machines.
OUTSIDE = re.compile(
    r"""(?x)
      \.\./shared\b            # the folder beside the repository
    | \bshared/testdata\b      # its test data
    | (?<![\w.])/work/         # the authors' machine (/work/main, /work/shared)
    | (?<![\w.])/home/\w       # a home directory
    | (?<![\w.])/Users/\w
    | ["']shared["']\s*/       # Path(...) / "shared" / ...
    """
)
# Path(__file__).resolve() followed by .parent and .parents[n] steps.
CLIMB = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?((?:\.parent\b|\.parents\[\d+\])+)")
STEP = re.compile(r"\.parents\[(\d+)\]|\.parent\b")


def tracked_files() -> list[str]:
    """The files git tracks (what a clone has), or every file outside ignored folders."""
    if shutil.which("git") and (ROOT / ".git").exists():
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        return [name for name in out.decode().split("\0") if name]
    skip = {".venv", "var", ".git", "node_modules", "build", "dist", "__pycache__"}
    return [
        p.relative_to(ROOT).as_posix()
        for p in ROOT.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)
    ]


def text_of(name: str) -> str | None:
    path = ROOT / name
    if not path.is_file():  # deleted in the work tree, not yet committed
        return None
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def levels_climbed(steps: str) -> int:
    """How many folders up from the file itself: .parent is its folder (1)."""
    total = 0
    for match in STEP.finditer(steps):
        total += int(match.group(1)) + 1 if match.group(1) is not None else 1
    return total


def test_the_checks_catch_what_they_are_meant_to() -> None:
    old = 'TESTDATA = Path(__file__).resolve().parents[3].parent / "shared" / "testdata"'
    assert OUTSIDE.search(old)
    assert OUTSIDE.search("open('../shared/GLOSSARY.md')")
    assert OUTSIDE.search("# translations follow /work/shared/GLOSSARY.md")
    assert not OUTSIDE.search("translations follow the project glossary (docs/)")
    assert not OUTSIDE.search("https://example.org/work/shared")
    [steps] = CLIMB.findall(old)
    assert levels_climbed(steps) == 5  # parents[3] is 4 folders up, .parent one more
    assert levels_climbed(".parent.parent") == 2


def test_no_file_names_a_path_outside_the_repository() -> None:
    found = []
    for name in tracked_files():
        if name == THIS:  # holds the patterns themselves
            continue
        text = text_of(name)
        if text is None:
            continue
        for lineno, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{name}:{lineno}: {line.strip()[:120]}")
    assert not found, (
        "These lines name a path outside the repository, which a fresh clone does not have; "
        "copy what is needed into the repository (with its origin and licence):\n"
        + "\n".join(found)
    )


def test_no_python_file_climbs_above_the_repository_root() -> None:
    found = []
    names = [name for name in tracked_files() if name.endswith(".py") and name != THIS]
    if not names:
        pytest.fail("no Python file found: the file listing is broken")
    for name in names:
        text = text_of(name)
        if text is None:
            continue
        depth = name.count("/") + 1  # folders between the file and the root, plus the root
        for steps in CLIMB.findall(text):
            if levels_climbed(steps) > depth:
                found.append(f"{name}: Path(__file__){steps} leaves the repository")
    assert not found, "\n".join(found)
