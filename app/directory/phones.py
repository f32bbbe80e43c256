"""Phone numbers as a UK directory writes them: checked with ``phonenumbers`` (Google's libphonenumber).

``formatted_phone`` accepts, and writes the UK way:

- a UK number libphonenumber holds valid for region GB, written as it is dialled here (``01225123456`` →
  ``01225 123456``; ``+44 808 800 5000`` → ``0808 800 5000``), extension included;
- a number of another country given with its ``+`` (or ``00``) code, written in international form
  (``+33 1 42 68 53 00``), since a national form would lose the country;
- a UK short number valid for GB (``111``, ``999``, ``112``, ``116 123``, ``116 111``), as ``shortnumberinfo``
  knows them; the six-figure 116 numbers are grouped ``116 123``, as they are published.

Ofcom's drama numbers (``DRAMA_RANGES``, from Ofcom's "Telephone numbers for use in TV and radio drama
programmes") are refused unless fictional numbers are allowed: the ``FICTIONAL_PHONE_NUMBERS`` setting, off in
production, where a listing with one would send people to a number nobody answers. The demo directory,
``.ci/serve`` and the tests allow them, and the demo loader always does (``fictional_numbers_allowed``):
the demo must never print a real person's or service's number, so every number it gives is one of these
ranges, which libphonenumber in part calls invalid (``01632 960xxx``, ``07700 900xxx``) and in part valid
(``0117 496 0xxx``, ``0808 157 0xxx``).
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import phonenumbers
from flask import current_app, has_app_context
from phonenumbers import PhoneNumberFormat, shortnumberinfo

REGION = "GB"
EXAMPLE = "0117 496 0123"
# Each range is 1,000 numbers: the international form's first digits, then any three.
DRAMA_RANGES = (
    "+441134960", "+441144960", "+441154960", "+441164960", "+441174960", "+441184960",  # Leeds … Reading
    "+441214960", "+441314960", "+441414960", "+441514960", "+441614960",  # Birmingham … Manchester
    "+442079460",  # London 020 7946 0xxx
    "+441914980",  # Tyneside 0191 498 0xxx
    "+442896496",  # Northern Ireland 028 9649 6xxx
    "+442920180",  # Cardiff 029 2018 0xxx
    "+441632960",  # no area 01632 960xxx
    "+447700900",  # mobile 07700 900xxx
    "+448081570",  # freephone 0808 157 0xxx
    "+449098790",  # premium rate 0909 879 0xxx
    "+443069990",  # UK-wide 0306 999 0xxx
)
# What a number is written with: digits and the usual punctuation, with perhaps an extension. Letters are
# refused rather than read as a keypad's (libphonenumber would make '0800 CALLNOW' a number).
_WRITTEN = re.compile(r"^[0-9+()\-./ ]+(?:\s*(?:ext\.?|extension|x)\s*[0-9]{1,6})?$", re.IGNORECASE)

_fictional: ContextVar[bool | None] = ContextVar("fictional_phone_numbers", default=None)


class PhoneError(ValueError):
    """A phone number that cannot be listed; the message says why, in plain words."""


@contextmanager
def fictional_numbers_allowed() -> Iterator[None]:
    """Accept Ofcom's drama numbers inside the block, whatever the setting (the demo loader's)."""
    token = _fictional.set(True)
    try:
        yield
    finally:
        _fictional.reset(token)


def fictional_allowed() -> bool:
    chosen = _fictional.get()
    if chosen is not None:
        return chosen
    return has_app_context() and bool(current_app.config.get("FICTIONAL_PHONE_NUMBERS", False))


def is_drama_number(number: phonenumbers.PhoneNumber) -> bool:
    written = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return len(written) == len(DRAMA_RANGES[0]) + 3 and written.startswith(DRAMA_RANGES)


def formatted_phone(text: str, *, fictional: bool | None = None) -> str:
    """``text`` written the UK way, or ``PhoneError``. ``fictional`` overrides whether drama numbers are
    allowed (by default, ``fictional_allowed()``)."""
    written = " ".join(text.split())
    not_a_number = PhoneError(f"'{written}' is not a phone number: write it like {EXAMPLE}")
    if not _WRITTEN.match(written):
        raise not_a_number
    try:
        number = phonenumbers.parse(written, REGION)
    except phonenumbers.NumberParseException:
        raise not_a_number from None
    allow_fictional = fictional_allowed() if fictional is None else fictional
    if is_drama_number(number):
        if not allow_fictional:
            raise PhoneError(f"'{written}' is one of the numbers Ofcom keeps for TV and radio drama, so nobody "
                             "would answer it: give the number people really call")
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    uk = number.country_code == phonenumbers.country_code_for_region(REGION)
    if uk and not number.extension and shortnumberinfo.is_valid_short_number_for_region(number, REGION):
        digits = phonenumbers.national_significant_number(number)
        return f"{digits[:3]} {digits[3:]}" if len(digits) == 6 else digits
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"'{written}' is not a phone number in use (check the digits): write it like {EXAMPLE}")
    if uk:  # Jersey, Guernsey and the Isle of Man too: dialled from here as UK numbers are
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def phone_problem(text: str) -> str | None:
    """Why ``text`` cannot be listed as a phone number, or None when it can (or is empty)."""
    if not text.strip():
        return None
    try:
        formatted_phone(text)
    except PhoneError as error:
        return str(error)
    return None


def tidy_phone(text: str) -> str:
    """The number written the UK way, or as given (spaces tidied) when it cannot be read: the check that
    follows (``phone_problem``) says why."""
    try:
        return formatted_phone(text) if text.strip() else ""
    except PhoneError:
        return text.strip()
