"""Markdown from agencies, rendered to HTML and sanitised: only plain text formatting survives."""

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    # Headings an agency writes sit under the listing's own headings.
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="nofollow noopener",
    )
