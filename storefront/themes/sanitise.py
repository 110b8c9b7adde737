"""Safe rich text: the HTML a seller may put in pages and descriptions, and nothing else."""

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
                "hr", "code", "pre"}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def clean_html(html: str) -> str:
    """Keep formatting tags and http(s)/mailto links; drop scripts, styles, event handlers and the rest."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
