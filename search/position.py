"""How far through the listing change log an index directory has been brought (a number in a file)."""

import os

from search.index import SearchIndex

POSITION_FILE = "wellaware-change-position"


def read_position(index: SearchIndex) -> int:
    try:
        return int((index.directory / POSITION_FILE).read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def write_position(index: SearchIndex, position: int) -> None:
    target = index.directory / POSITION_FILE
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(str(position))
    temporary.replace(target)
