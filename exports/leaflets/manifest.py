"""The leaflet bank's manifest: what the web site may list and serve. Light to import (no WeasyPrint)."""

import json
import re
from pathlib import Path

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
# Every leaflet's file name; the web site serves, and a build deletes, only names like these.
SAFE_FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.pdf$")


def read_manifest(out_dir: Path | str) -> dict[str, dict[str, object]]:
    """The manifest's entries by file name, in the manifest's order; empty when there is no readable manifest."""
    path = Path(out_dir) / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = raw.get("leaflets", []) if isinstance(raw, dict) else []
    return {
        str(entry["file"]): entry for entry in entries
        if isinstance(entry, dict) and SAFE_FILE_NAME.match(str(entry.get("file", "")))
    }
