"""Japanese kana and Korean Hangul spelled in Latin letters, for readable addresses and SKUs.

Kana follow simplified Hepburn (てづくり → tezukuri, ティーカップ → tikappu: long vowels unmarked); Hangul follows
the Revised Romanization of Korean syllable by syllable (도자기 찻잔 → dojagi chatjan), with a final consonant
carried over to a following silent ㅇ (한국어 → hangugeo) but none of the other sound changes of speech. Both are
computed from the characters themselves, so no dictionary is needed; kanji have no reading here (a dictionary of
Japanese readings would be needed) and are left to the caller (storefront/catalog/identifiers.py spells them in
pinyin).
"""

import re

_KANA_RUN = re.compile("[\u3041-\u309f\u30a0-\u30ff]+")
_HANGUL_RUN = re.compile("[\uac00-\ud7a3]+")

# Hiragana, one syllable each; katakana are read through these (the same syllable 0x60 code points later).
_KANA = dict(
    zip(
        "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわゐゑをん"
        "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ",
        [
            "a",
            "i",
            "u",
            "e",
            "o",
            "ka",
            "ki",
            "ku",
            "ke",
            "ko",
            "sa",
            "shi",
            "su",
            "se",
            "so",
            "ta",
            "chi",
            "tsu",
            "te",
            "to",
            "na",
            "ni",
            "nu",
            "ne",
            "no",
            "ha",
            "hi",
            "fu",
            "he",
            "ho",
            "ma",
            "mi",
            "mu",
            "me",
            "mo",
            "ya",
            "yu",
            "yo",
            "ra",
            "ri",
            "ru",
            "re",
            "ro",
            "wa",
            "i",
            "e",
            "o",
            "n",
            "ga",
            "gi",
            "gu",
            "ge",
            "go",
            "za",
            "ji",
            "zu",
            "ze",
            "zo",
            "da",
            "ji",
            "zu",
            "de",
            "do",
            "ba",
            "bi",
            "bu",
            "be",
            "bo",
            "pa",
            "pi",
            "pu",
            "pe",
            "po",
            "vu",
        ],
        strict=True,
    )
)
_SMALL_VOWELS = dict(zip("ぁぃぅぇぉ", "aiueo", strict=True))
_SMALL_Y = dict(zip("ゃゅょ", ("ya", "yu", "yo"), strict=True))
_SOKUON, _LONG_MARK = "っ", "ー"

_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "-", "j", "jj", "ch", "k", "t", "p", "h"]
_VOWELS = [
    "a",
    "ae",
    "ya",
    "yae",
    "eo",
    "e",
    "yeo",
    "ye",
    "o",
    "wa",
    "wae",
    "oe",
    "yo",
    "u",
    "wo",
    "we",
    "wi",
    "yu",
    "eu",
    "ui",
    "i",
]
# A syllable's final consonant at the end of a syllable (before another consonant or the end of a word).
_FINALS = [
    "-",
    "k",
    "k",
    "k",
    "n",
    "n",
    "n",
    "t",
    "l",
    "k",
    "m",
    "l",
    "l",
    "l",
    "p",
    "l",
    "m",
    "p",
    "p",
    "t",
    "t",
    "ng",
    "t",
    "t",
    "k",
    "t",
    "p",
    "t",
]
# The same final carried over to a following syllable that starts with the silent ㅇ.
_FINALS_CARRIED = [
    "-",
    "g",
    "kk",
    "ks",
    "n",
    "nj",
    "nh",
    "d",
    "r",
    "lg",
    "lm",
    "lb",
    "ls",
    "lt",
    "lp",
    "lh",
    "m",
    "b",
    "bs",
    "s",
    "ss",
    "ng",
    "j",
    "ch",
    "k",
    "t",
    "p",
    "h",
]
_SILENT_INITIAL = 11


def _katakana_as_hiragana(char: str) -> str:
    return chr(ord(char) - 0x60) if "\u30a1" <= char <= "\u30f6" else char


def kana_to_latin(run: str) -> str:
    """A run of hiragana and katakana in simplified Hepburn, lowercase ("" for marks alone)."""
    out: list[str] = []
    double_next = False
    for char in map(_katakana_as_hiragana, run):
        if char == _SOKUON:
            double_next = True
            continue
        if char in _SMALL_Y and out and out[-1].endswith("i") and len(out[-1]) > 1:
            stem = out.pop()[:-1]  # き + ゃ → kya; し + ゃ → sha; ち + ゃ → cha
            out.append(stem + (_SMALL_Y[char][1:] if stem.endswith(("sh", "ch", "j")) else _SMALL_Y[char]))
            continue
        if char in _SMALL_VOWELS:
            vowel = _SMALL_VOWELS[char]
            if out and out[-1][-1] in "aiueo" and len(out[-1]) > 1:
                out[-1] = out[-1][:-1] + vowel  # フ + ァ → fa; テ + ィ → ti
            else:
                out.append(vowel)
            continue
        syllable = _KANA.get(char, "")
        if not syllable:
            continue  # ー (the long-vowel mark) and the iteration marks: simplified Hepburn writes nothing
        if double_next and syllable[0] not in "aiueon":
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
        double_next = False
        out.append(syllable)
    return "".join(out)


def hangul_to_latin(run: str) -> str:
    """A run of Hangul syllables in the Revised Romanization, lowercase."""
    parts = [divmod(ord(char) - 0xAC00, 28) for char in run]
    out: list[str] = []
    for index, (initial_and_vowel, final) in enumerate(parts):
        initial, vowel = divmod(initial_and_vowel, 21)
        carried = index > 0 and parts[index - 1][1] and initial == _SILENT_INITIAL
        onset = "" if carried or initial == _SILENT_INITIAL else _INITIALS[initial]
        if onset == "r" and index > 0 and _FINALS[parts[index - 1][1]] == "l":
            onset = "l"  # ㄹ + ㄹ → ll (설립 → seollip)
        following = parts[index + 1][0] // 21 if index + 1 < len(parts) else None
        if final and following == _SILENT_INITIAL:
            coda = _FINALS_CARRIED[final] if final != 21 else "ng"
        else:
            coda = _FINALS[final].replace("-", "")
        out.append(onset + _VOWELS[vowel] + coda)
    return "".join(out)


def romanize_kana_and_hangul(text: str) -> str:
    """``text`` with every run of kana or Hangul replaced by its Latin spelling, set apart by spaces."""
    text = _KANA_RUN.sub(lambda run: f" {kana_to_latin(run.group())} ", text)
    return _HANGUL_RUN.sub(lambda run: f" {hangul_to_latin(run.group())} ", text)
