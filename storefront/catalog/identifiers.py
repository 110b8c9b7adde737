"""How a product's or collection's title becomes its address and SKU, and a tag its key, in any script.

Chinese titles are spelled in pinyin (手工陶瓷茶杯 → ``shou-gong-tao-ci-cha-bei``; SKU ``SGTCCB``) so addresses stay
readable, typeable and the same in every browser and email client. Japanese kana and Korean Hangul are spelled in
Latin letters (platform.kit.romanize: ティーカップ → ``tikappu``, 도자기 찻잔 → ``dojagi-chatjan``; SKUs
``TIKAPPU``, ``DOJAGI-CHATJAN``); kanji in a Japanese title get their pinyin, the one reading known here, which keeps
the address readable if not Japanese. Text with no CJK character goes through
Django's ``slugify`` exactly as before, so no existing address or SKU changes. Tags keep their own script as key
(``茶杯``): homophones share a pinyin spelling (茶杯, 茶被), and a tag's key must tell tags apart (docs/storefront.md, "Readable identifiers").
"""

import re
import unicodedata

from django.utils.text import slugify
from pypinyin import Style, lazy_pinyin

from platform.kit.cjk import CJK_CHARACTERS, has_cjk
from platform.kit.romanize import romanize_kana_and_hangul

_CJK_SPLIT = re.compile(f"([{CJK_CHARACTERS}]+)")
# Characters a tag may not hold: control characters, unassigned and private-use code points, surrogates, and format
# characters (bidirectional overrides could make a tag read as another) but the two joiners some scripts need.
_REFUSED_CATEGORIES = {"Cc", "Cn", "Co", "Cs", "Cf"}
_ALLOWED_FORMAT = {"\u200c", "\u200d"}


def readable_slug(text: str) -> str:
    """``text`` as an address segment: Chinese characters in pinyin, the rest as ``slugify`` makes it ("" if none).

    Pinyin comes word by word from pypinyin's phrase dictionary, so a character read two ways gets the reading of
    its word (银行 → yin-hang, 行走 → xing-zou). Kana and Hangul are spelled first (see the module's note).
    """
    if has_cjk(text):
        text = " ".join(lazy_pinyin(romanize_kana_and_hangul(text)))
    return slugify(text)


def sku_stem(text: str) -> str:
    """The readable start of a SKU made from ``text``: words in capitals, Chinese words by their pinyin initials.

    "Alpha Trail Tent" → ``ALPHA-TRAIL-TENT``; "手工陶瓷茶杯 红色" → ``SGTCCB-HS``; kana and Hangul spelled out
    ("도자기 찻잔" → ``DOJAGI-CHATJAN``); "" when nothing is left.
    """
    if has_cjk(text):
        text = romanize_kana_and_hangul(text)
        pieces = _CJK_SPLIT.split(text)
        text = " ".join(
            "".join(lazy_pinyin(piece, style=Style.FIRST_LETTER)) if index % 2 else piece
            for index, piece in enumerate(pieces)
        )
    return slugify(text).upper()


def tag_key(name: str) -> str:
    """The key (``Tag.slug``) a tag name is known by: two names with one key are one tag ("Mugs", "mugs!").

    A name that ``slugify`` spells in ASCII without losing letters keeps that key, as before ("Café" → ``cafe``);
    one with letters of other scripts keeps them ("茶杯" → ``茶杯``, "Tea 茶杯" → ``tea-茶杯``). "" when the name has
    no letter or digit at all.
    """
    ascii_key = slugify(name)
    unicode_key = slugify(name, allow_unicode=True)
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", unicode_key) if not unicodedata.category(char).startswith("M")
    )
    return ascii_key if folded.isascii() else unicode_key


def refused_tag_character(name: str) -> str | None:
    """The first character of ``name`` a tag may not hold (a control or invisible formatting character), if any."""
    for char in name:
        if unicodedata.category(char) in _REFUSED_CATEGORIES and char not in _ALLOWED_FORMAT:
            return char
    return None
