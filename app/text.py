"""Text as the databases can store it, for every import and form.

PostgreSQL refuses the NUL character in text, and neither database can store half of a UTF-16 surrogate
pair (JSON can carry one, written ``"\\ud800"``). Neither has a meaning anyone typed, so they are removed
where text comes in, and imports say what was removed.
"""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` without the characters no database can store."""
    return UNSTORABLE.sub("", text)


def removed_note(where: str, text: str) -> str | None:
    """A plain sentence saying what ``storable`` removes from ``text`` (the value of ``where``), or None."""
    found = UNSTORABLE.findall(text)
    if not found:
        return None
    names = ", ".join(dict.fromkeys("NUL" if c == "\x00" else f"U+{ord(c):04X}" for c in found))
    count = f"{len(found)} invisible character{'s' if len(found) > 1 else ''}"
    return f"{where}: removed {count} that cannot be stored ({names})"


def storable_json(value: object, where: str = "") -> tuple[object, list[str]]:
    """A JSON value with every string in it made ``storable``, and a note for each string that changed
    (named by its path, like ``organization.description``). Keys are left as they are."""
    if isinstance(value, str):
        note = removed_note(where or "the value", value)
        return (storable(value), [note]) if note else (value, [])
    notes: list[str] = []
    if isinstance(value, dict):
        cleaned: dict[object, object] = {}
        for key, item in value.items():
            cleaned[key], found = storable_json(item, f"{where}.{key}" if where else str(key))
            notes.extend(found)
        return cleaned, notes
    if isinstance(value, list):
        items = []
        for number, item in enumerate(value):
            clean_item, found = storable_json(item, f"{where}.{number}" if where else str(number))
            items.append(clean_item)
            notes.extend(found)
        return items, notes
    return value, notes
