"""The shape of a UK postcode, read without knowing whether it exists."""

import re

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")  # [0-9]: \d takes any script's digits
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")  # the outward code alone ("BA1", "SW1A")


def compact(text: str) -> str:
    """Capitals without spaces: ``" ba1 1aa "`` → ``BA11AA``."""
    return "".join(text.split()).upper()


def normalise_postcode(text: str) -> str | None:
    """``ba13ab`` → ``BA1 3AB``; None when it is not a UK postcode shape."""
    match = POSTCODE.match(compact(text))
    return f"{match[1]} {match[2]}" if match else None


def district_of(text: str) -> str | None:
    """The district of a full postcode or of an outward code alone (``BA3 4AB``, ``ba3`` → ``BA3``)."""
    full = normalise_postcode(text)
    if full is not None:
        return full.split(" ")[0]
    tidy = compact(text)
    return tidy if DISTRICT.match(tidy) else None
