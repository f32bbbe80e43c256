"""Turning a leaflet's content into a PDF with WeasyPrint.

The leaflets have their own Jinja environment and templates (``templates/``) and stylesheets (``static/``):
nothing here uses the web application's templates or helpers. WeasyPrint fetches only the leaflets' own
static files and ``data:`` URIs (the QR codes); any other address — the network above all — is refused.
"""

import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from weasyprint.urls import URLFetcher, URLFetcherResponse

from exports.leaflets.content import Leaflet, site_address
from exports.leaflets.qr import qr_data_uri

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """A page size and type scale.

    ``section_room`` is the most listings a section leaflet in this format tries to hold; the bank tries one
    fewer at a time until the leaflet fits its eight pages (``exports.leaflets.bank``). ``listing_qr``: each
    listing carries its own QR code. ``running_head``: each page is headed with its part and page number;
    without one, the page number goes in the footer.
    """

    slug: str
    name: str
    stylesheets: tuple[str, ...]
    section_room: int = 0  # 0: not a format for section leaflets
    listing_qr: bool = True
    running_head: bool = True

    @property
    def large_print(self) -> bool:
        return "large-print.css" in self.stylesheets


FORMATS = {
    "a5": Format("a5", "A5", ("leaflet.css", "a5.css"), section_room=14),
    "a4": Format("a4", "A4", ("leaflet.css", "a4.css")),
    "large-print": Format("large-print", "Large print (A4)", ("leaflet.css", "a4.css", "large-print.css")),
    # Large print on A5 leaves each listing the whole width: its address is printed, and the back page's QR code
    # leads to every listing of the part online.
    "a5-large-print": Format("a5-large-print", "Large print (A5)",
                             ("leaflet.css", "a5.css", "large-print.css", "a5-large-print.css"),
                             section_room=6, listing_qr=False, running_head=False),
}

TEMPLATES = {"hub": "booklet.html", "section": "leaflet.html", "category": "leaflet.html",
             "shortlist": "shortlist.html", "flyer": "flyer.html"}


class LeafletFetcher(URLFetcher):
    """Fetches the leaflets' own static files and ``data:`` URIs; refuses everything else."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1, fail_on_errors=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        log.warning("leaflet tried to fetch %s, which is not one of its own files", url[:200])
        raise ValueError(f"A leaflet may only use its own files, not {url[:200]}")


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return Markup(f'"{escaped}"')


def unbroken(text: str) -> str:
    """``text`` with no-break spaces, so a phone number never breaks across lines."""
    return text.replace(" ", "\u00a0")


def address(url: str) -> Markup:
    """A web address without its scheme, which may break across lines only after a hyphen: read back, or
    typed in, it is still the address."""
    shown = url.split("://", 1)[-1].rstrip("/")
    parts = [escape(part) for part in shown.split("-")]
    joined = Markup("-</span><wbr><span class=\"nowrap\">").join(parts)
    return Markup(f'<span class="nowrap">{joined}</span>')


_environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(css_string=css_string, unbroken=unbroken, address=address)
_environment.globals["qr"] = qr_data_uri


def template_version() -> str:
    """A hash of everything besides the content that shapes a leaflet: templates, CSS, this code, WeasyPrint."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    files = sorted(p for folder in (TEMPLATE_DIR, STATIC_DIR) for p in folder.rglob("*") if p.is_file())
    for path in [*files, HERE / "render.py", HERE / "qr.py"]:
        digest.update(path.relative_to(HERE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def footer_text(leaflet: Leaflet, page_format: Format, checked_on: date) -> str:
    """The foot of every page; in large print on two lines, the address without its scheme, so it fits; beside
    the page number, in a format without a running head, just the date."""
    checked = f"Information checked on {checked_on.day} {checked_on:%B %Y}"
    if not page_format.running_head:
        return f"Checked on {checked_on.day} {checked_on:%B %Y}"
    if page_format.large_print:
        return f"{checked}\nThe latest is at {site_address(leaflet.site_url).split('://', 1)[-1]}"
    return f"{checked} — the latest is at {site_address(leaflet.site_url)}"


def render_html(leaflet: Leaflet, format_slug: str, checked_on: date) -> str:
    page_format = FORMATS[format_slug]
    return _environment.get_template(TEMPLATES[leaflet.kind]).render(
        leaflet=leaflet,
        format=page_format,
        checked_on=checked_on,
        footer=footer_text(leaflet, page_format, checked_on),
        site=site_address(leaflet.site_url),
    )


def render_document(leaflet: Leaflet, format_slug: str, checked_on: date) -> tuple[bytes, int]:
    """The leaflet as PDF bytes, in one of ``FORMATS``, and its number of pages."""
    html = render_html(leaflet, format_slug, checked_on)
    document = weasyprint.HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=LeafletFetcher())
    rendered = document.render()
    return rendered.write_pdf(), len(rendered.pages)


def render_pdf(leaflet: Leaflet, format_slug: str, checked_on: date) -> bytes:
    """The leaflet as PDF bytes, in one of ``FORMATS``."""
    return render_document(leaflet, format_slug, checked_on)[0]
