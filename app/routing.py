"""How numbers in addresses are read."""

from werkzeug.routing import IntegerConverter, Map

# The largest PostgreSQL INTEGER, the type of every id column; SQLite holds more, so this is the limit of both.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: an id as the database stores it, or no match (a 404).

    Werkzeug's converter takes any number of digits, and a number past the id column's range fails in the
    database (an error 500) rather than finding nothing. Its ``\\d`` also takes other scripts' digits, which
    ``int()`` reads ('١٢' is 12), so one listing would have many addresses; only ASCII digits are read here.
    """

    regex = r"[0-9]+"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
