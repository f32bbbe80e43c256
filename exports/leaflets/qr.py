"""QR codes to each listing online, as ``data:`` URIs the leaflet can show without fetching anything."""

from functools import lru_cache

import segno

# A quiet zone of four modules, as the QR standard asks; the printed size is set by the leaflet's CSS.
QUIET_ZONE = 4


@lru_cache(maxsize=4096)
def qr_data_uri(url: str) -> str:
    """A QR code for ``url`` (error correction M: survives a crease or a smudge) as a one-pixel-per-module PNG.

    The leaflet's CSS scales it up with ``image-rendering: pixelated``, so every module prints as a sharp
    square at any size; a PNG of a few hundred bytes draws far faster than the same code as SVG paths.
    """
    code = segno.make(url, error="m", micro=False)
    return code.png_data_uri(scale=1, border=QUIET_ZONE)
