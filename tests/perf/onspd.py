"""ONS Postcode Directory files made up for tests and benchmarks, in the real file's format.

The header is the one in ``tests/data/onspd-sample.csv`` (a recent release's, lower case). Each postcode is
unique; its point is scattered round its district's centre; about one in ten is terminated (``doterm`` set)
and one in fifty has no grid reference (``lat`` 99.999999, ``osgrdind`` 9), as in real releases. The same
seed gives the same file.
"""

import csv
import random
from collections.abc import Iterator
from pathlib import Path

HEADER_FROM = Path(__file__).resolve().parents[1] / "data" / "onspd-sample.csv"
# Districts of the area and its borders, with their centres (docs/local-facts.md, and near enough for borders).
DISTRICTS = {"BA1": (51.39158, -2.36069), "BA2": (51.36006, -2.37768), "BA3": (51.27518, -2.47446),
             "BS31": (51.40819, -2.49309), "BS39": (51.32799, -2.53242), "BS40": (51.34693, -2.69202),
             "BS14": (51.41327, -2.56217), "BA11": (51.2300, -2.3200), "BS1": (51.4545, -2.5930)}
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's last two may be


def header() -> list[str]:
    with HEADER_FROM.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def _postcodes(rng: random.Random, count: int, districts: list[str]) -> Iterator[tuple[str, str]]:
    """``count`` distinct (district, postcode) pairs; past the named districts' 4,000 each, made-up ones."""
    seen: set[str] = set()
    made_up = (f"{first}{second}{number}" for first in "BCDEGHKLMNPSTW" for second in "ABDEFGHLMNPRSTWY"
               for number in range(1, 100))  # the shape of real districts, so a loader reads them all
    while len(seen) < count:
        if len(seen) >= 4000 * len(districts) * 3 // 4:  # the named ones filling up: add made-up districts
            districts.append(next(made_up))
        district = rng.choice(districts)
        postcode = f"{district} {rng.randrange(10)}{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"
        if postcode not in seen:
            seen.add(postcode)
            yield district, postcode


def write_onspd(path: Path, count: int, seed: int = 19) -> None:
    rng = random.Random(seed)
    names = header()
    column = {name: index for index, name in enumerate(names)}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for district, postcode in _postcodes(rng, count, list(DISTRICTS)):
            row = [""] * len(names)
            latitude, longitude = DISTRICTS.get(district, (52.5, -1.9))
            row[column["pcds"]] = postcode
            row[column["pcd"]] = f"{district:<4}{postcode.split(' ')[1]}"
            row[column["pcd2"]] = f"{district:<5}{postcode.split(' ')[1]}"
            row[column["dointr"]] = "198001"
            row[column["oslaua"]] = "E06000022"
            if rng.random() < 0.1:
                row[column["doterm"]] = "202106"
            if rng.random() < 0.02:
                row[column["lat"]], row[column["long"]], row[column["osgrdind"]] = "99.999999", "0.000000", "9"
            else:
                row[column["lat"]] = f"{latitude + rng.uniform(-0.05, 0.05):.6f}"
                row[column["long"]] = f"{longitude + rng.uniform(-0.08, 0.08):.6f}"
                row[column["osgrdind"]] = "1"
            writer.writerow(row)
