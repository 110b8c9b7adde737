"""tools/compile_messages.py writes .mo files that Python's gettext (and so Django) reads back entry for entry."""

import gettext

from tools.compile_messages import LOCALE, compile_all, parse_po

CATALOGUE = r"""# A header, then each kind of entry the project's catalogues hold.
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

msgid "Cart"
msgstr "购物车"

msgctxt "language selector"
msgid "Change"
msgstr "切换"

msgid "%(counter)s order"
msgid_plural "%(counter)s orders"
msgstr[0] "%(counter)s 笔订单"

msgid ""
"A long message "
"on two lines"
msgstr ""
"一条"
"长消息"

#, fuzzy
msgid "Guessed"
msgstr "猜的"

msgid "Not yet translated"
msgstr ""
"""


def test_a_catalogue_compiles_to_what_gettext_reads(tmp_path):
    folder = tmp_path / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(CATALOGUE, encoding="utf-8")
    assert compile_all(tmp_path) == [folder / "django.mo"]
    with (folder / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    assert catalogue.gettext("Cart") == "购物车"
    assert catalogue.pgettext("language selector", "Change") == "切换"
    assert catalogue.ngettext("%(counter)s order", "%(counter)s orders", 3) == "%(counter)s 笔订单"
    assert catalogue.gettext("A long message on two lines") == "一条长消息"
    # A fuzzy entry is a guess nobody checked, and an empty one isn't translated: both show the English text.
    assert catalogue.gettext("Guessed") == "Guessed"
    assert catalogue.gettext("Not yet translated") == "Not yet translated"
    assert compile_all(tmp_path) == []  # up to date: nothing rewritten


def test_the_projects_chinese_catalogue_is_complete():
    """Every entry of the zh-hans catalogue is translated and none is left fuzzy (a guess nobody checked)."""
    po = (LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = po.count("\nmsgid ")
    translated = parse_po(po)
    assert "#, fuzzy" not in po
    assert len(translated) == entries  # the header counts once on each side
