"""The repository stands on its own: no tracked file refers to a path outside it.

A clone has nothing beside it, so a relative path that climbs out of the tree (``../notes/design.md``), the
reading-room folder that only existed beside the project on the machine where it began (``OUTSIDE_FOLDER``),
or code that reaches above the checkout through ``Path(__file__).parents[...]`` would break there.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A relative path that starts with "../" (not one inside a longer path or URL, like "/leaflets/../x").
CLIMB = re.compile(r"(?<![\w/.%\\-])(?:\.\./)+[^\s\"'`()\[\]<>,;]*")
OUTSIDE_FOLDER = "shared"  # named once, so this file holds no path into it
SHARED = re.compile(rf"(?<![\w-]){OUTSIDE_FOLDER}/")
PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?(\.parents\[(\d+)\]|(?:\.parent\b)+)")
# Strings that look like paths but are hostile input to the tests, never references to a file.
HOSTILE_INPUT = {
    ("tests/test_admin_import.py", "../../wellaware"),
    ("tests/test_fuzz_inputs.py", "../../etc/passwd"),
    ("data/demo/judged-queries.csv", "../../../etc/passwd"),  # a hostile search, judged to find nothing
}


def outside_references(relative: str, text: str) -> list[str]:
    """Every reference in ``text`` (the file ``relative`` to the root) that leads outside the repository."""
    folder = (ROOT / relative).parent
    found = []
    for match in CLIMB.finditer(text):
        target = (folder / match.group()).resolve()
        if not target.is_relative_to(ROOT) and (relative, match.group()) not in HOSTILE_INPUT:
            found.append(match.group())
    found.extend(match.group() for match in SHARED.finditer(text))
    depth = len(Path(relative).parts) - 1  # how many folders up the root is from the file's folder
    for match in PARENTS.finditer(text):
        up = int(match.group(2)) if match.group(2) is not None else match.group(1).count(".parent") - 1
        if up > depth:
            found.append(match.group())
    return found


def tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True)
    return [name for name in listing.stdout.split("\0") if name]


def test_the_check_finds_references_outside_the_tree() -> None:
    """A control: each kind of outside reference is found, and paths inside the tree are not."""
    design = f"../{OUTSIDE_FOLDER}/design.md"
    assert outside_references("README.md", f"The design is in `{design}`.") == [design, f"{OUTSIDE_FOLDER}/"]
    assert outside_references("docs/design.md", "ORUK 3.0 (`../../oruk/`)") == ["../../oruk/"]
    facts = f'"confirmed in {OUTSIDE_FOLDER}/reference/facts.md"'
    assert outside_references("data/urgent-help.json", facts) == [f"{OUTSIDE_FOLDER}/"]
    assert outside_references("tests/test_x.py", 'Path(__file__).resolve().parents[2] / "oruk"') != []
    assert outside_references("app/config.py", "Path(__file__).resolve().parent.parent.parent") != []
    assert outside_references("docs/design.md", "see `../data/oruk/` and shared_demo_app") == []
    assert outside_references("app/config.py", "Path(__file__).resolve().parent.parent") == []
    assert outside_references("tests/perf/x.py", "Path(__file__).resolve().parents[2]") == []
    assert outside_references("tests/test_x.py", '"/leaflets/../wellaware.sqlite"') == []


def test_no_tracked_file_refers_outside_the_repository() -> None:
    problems = {}
    for name in tracked_files():
        if name == "tests/test_self_contained.py":  # this file's own examples
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):  # binary, or deleted but not yet committed
            continue
        if found := outside_references(name, text):
            problems[name] = found
    assert problems == {}, f"references outside the repository: {problems}"
