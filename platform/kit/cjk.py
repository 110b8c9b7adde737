"""Chinese, Japanese and Korean text: which characters are CJK, and their runs, for search that needs no spaces.

These scripts write words without spaces between them, so a word-based search (PostgreSQL's text search, a word
list for typo correction) sees a whole sentence as one "word". Search code splits such text into runs of CJK
characters and indexes each run by its single characters and pairs of characters (docs/directory.md).
"""

import re

# Han (unified ideographs, extension A, compatibility, the supplementary planes), kana and Hangul syllables.
# The directory's SQL function ``directory_search_text`` (platform/directory/migrations) uses the same ranges.
CJK_CHARACTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
CJK_RUN = re.compile(f"[{CJK_CHARACTERS}]+")
# A word of letters from any other script, or a number: what is left of a text once its CJK runs are taken out.
OTHER_WORD = re.compile(f"(?:(?![{CJK_CHARACTERS}])[^\\W\\d_])+|\\d+")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds at least one CJK character."""
    return CJK_RUN.search(text) is not None


def cjk_runs(text: str) -> list[str]:
    """The runs of consecutive CJK characters in ``text``, in order ("iPhone手机壳 茶杯" → ["手机壳", "茶杯"])."""
    return CJK_RUN.findall(text)


def without_cjk(text: str) -> str:
    """``text`` with every CJK run replaced by a space: what a word-based search can still handle."""
    return CJK_RUN.sub(" ", text)


def cjk_bigrams(run: str) -> list[str]:
    """The overlapping pairs of a run ("陶瓷茶杯" → 陶瓷, 瓷茶, 茶杯); a one-character run is its own term."""
    if len(run) < 2:
        return [run] if run else []
    return [run[index : index + 2] for index in range(len(run) - 1)]
