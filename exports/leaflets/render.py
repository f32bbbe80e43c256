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
from markupsafe import Markup
from weasyprint.urls import URLFetcher, URLFetcherResponse

from exports.leaflets.content import Leaflet, site_address
from exports.leaflets.qr import qr_data_uri

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    slug: str
    name: str
    stylesheets: tuple[str, ...]


FORMATS = {
    "a5": Format("a5", "A5 booklet", ("leaflet.css", "a5.css")),
    "a4": Format("a4", "A4", ("leaflet.css", "a4.css")),
    "large-print": Format("large-print", "Large print (A4)", ("leaflet.css", "a4.css", "large-print.css")),
}


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


_environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["css_string"] = css_string
_environment.globals["qr"] = qr_data_uri


def template_version() -> str:
    """A hash of everything besides the content that shapes a leaflet: templates, CSS, this code, WeasyPrint."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    files = sorted(p for folder in (TEMPLATE_DIR, STATIC_DIR) for p in folder.rglob("*") if p.is_file())
    for path in [*files, HERE / "render.py", HERE / "qr.py"]:
        digest.update(path.relative_to(HERE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def footer_text(leaflet: Leaflet, checked_on: date) -> str:
    checked = f"{checked_on.day} {checked_on:%B %Y}"
    return f"Information checked on {checked} — the latest is at {site_address(leaflet.site_url)}"


def render_html(leaflet: Leaflet, format_slug: str, checked_on: date) -> str:
    page_format = FORMATS[format_slug]
    template = "flyer.html" if leaflet.kind == "flyer" else "booklet.html"
    return _environment.get_template(template).render(
        leaflet=leaflet,
        format=page_format,
        checked_on=checked_on,
        footer=footer_text(leaflet, checked_on),
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
