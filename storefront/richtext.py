"""Sellers' rich text (pages, product and collection descriptions), cut down to a small, safe subset of HTML."""

import nh3

# Formatting a seller needs, and nothing that runs code, styles the page or pulls in other pages' content.
ALLOWED_TAGS = {"a", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i", "li", "ol", "p", "pre", "s",
                "strong", "sub", "sup", "u", "ul"}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(html: str) -> str:
    """Keep the allowed tags and http(s)/mailto links; `<script>` and `<style>` go with their content."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()
