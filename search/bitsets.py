"""Sets of document numbers as bitsets: a Python int whose bit n is set when document n is in the set.

Intersections, unions and counts then run in C over a few kilobytes (a directory of 100,000 listings fits
in 12.5 KB), where Python sets of numbers would cost a step per member.
"""

from collections.abc import Iterable

import numpy as np

EMPTY = 0


def from_docnums(docnums: Iterable[int] | np.ndarray) -> int:
    numbers = np.fromiter(docnums, dtype=np.int64) if not isinstance(docnums, np.ndarray) else docnums
    if numbers.size == 0:
        return EMPTY
    flags = np.zeros(int(numbers.max()) + 1, dtype=bool)
    flags[numbers] = True
    return from_flags(flags)


def from_flags(flags: np.ndarray) -> int:
    """The documents whose flag is set in a boolean array indexed by document number."""
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little") if flags.size else EMPTY


def first(count: int) -> int:
    """Documents 0 to ``count - 1``."""
    return (1 << count) - 1


def members(bitset: int, size: int) -> np.ndarray:
    """The document numbers in ``bitset`` (all below ``size``), in ascending order."""
    if not bitset:
        return np.empty(0, dtype=np.int64)
    raw = np.frombuffer(bitset.to_bytes((size + 7) // 8, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little"))


def count(bitset: int) -> int:
    return bitset.bit_count()
