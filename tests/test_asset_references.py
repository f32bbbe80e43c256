"""Every file the search page refers to, and every file its style sheets and scripts refer to in turn, is
served (issue 24: the NHS.UK style sheet's icons were not). Addresses on another site are left out: the
content security policy lets nothing load from one."""

import re
from urllib.parse import urljoin, urlsplit

from flask.testing import FlaskClient

PAGE_REFERENCE = re.compile(r'(?:href|src)="(/(?:static|assets)/[^"]+)"')
CSS_REFERENCE = re.compile(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)""")
JS_IMPORT = re.compile(r"""\bfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']""")


def referenced(base: str, body: str, content_type: str) -> set[str]:
    """The addresses on this site that a style sheet or script refers to, made absolute."""
    if content_type.startswith("text/css"):
        found = CSS_REFERENCE.findall(body)
    elif "javascript" in content_type:
        found = [a or b for a, b in JS_IMPORT.findall(body)]
    else:
        return set()
    addresses = {urljoin(base, address) for address in found if not address.startswith(("data:", "#"))}
    return {address for address in addresses if not urlsplit(address).netloc}


def test_every_file_the_search_page_refers_to_is_there(demo_client: FlaskClient) -> None:
    page = demo_client.get("/search?q=support&category=nonsense").get_data(as_text=True)
    waiting = {address.replace("&amp;", "&") for address in PAGE_REFERENCE.findall(page)}
    assert {urlsplit(a).path for a in waiting} >= {"/assets/nhsuk-frontend.min.css", "/static/css/site.css",
                                                  "/static/js/init.js"}
    seen: dict[str, int] = {}
    while waiting:
        address = waiting.pop()
        response = demo_client.get(address)
        seen[address] = response.status_code
        if response.status_code == 200:
            more = referenced(address, response.get_data(as_text=True), response.content_type)
            waiting |= more - set(seen)
        response.close()
    assert "/assets/images/nhsuk-icon-cross.svg" in seen, "the NHS.UK style sheet no longer refers to its icons"
    assert "/assets/nhsuk-frontend.min.js" in seen
    missing = sorted(address for address, status in seen.items() if status != 200)
    assert missing == [], missing


def test_only_the_packages_images_are_served_beside_its_style_sheet_and_script(demo_client: FlaskClient) -> None:
    for address in ("/assets/package.json", "/assets/images/../../package.json", "/assets/images/",
                    "/assets/images/nhsuk-icon-nothing.svg", "/assets/index.mjs"):
        response = demo_client.get(address)
        assert response.status_code == 404, address
        response.close()
