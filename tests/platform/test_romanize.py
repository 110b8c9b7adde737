"""Kana in simplified Hepburn and Hangul in the Revised Romanization, checked against hand-spelled words."""

import pytest

from platform.kit.romanize import hangul_to_latin, kana_to_latin, romanize_kana_and_hangul


@pytest.mark.parametrize(
    ("kana", "latin"),
    [
        ("てづくり", "tezukuri"),
        ("ティーカップ", "tikappu"),  # small vowel, long mark unwritten, doubled consonant
        ("きゃべつ", "kyabetsu"),
        ("しゃしん", "shashin"),
        ("まっちゃ", "matcha"),  # っ before ch doubles as t
        ("ファイル", "fairu"),
        ("コーヒー", "kohi"),
        ("ゆのみ", "yunomi"),
    ],
)
def test_kana(kana, latin):
    assert kana_to_latin(kana) == latin


@pytest.mark.parametrize(
    ("hangul", "latin"),
    [
        ("도자기", "dojagi"),
        ("찻잔", "chatjan"),
        ("한국어", "hangugeo"),  # a final carried over to a silent ㅇ
        ("서울", "seoul"),
        ("설립", "seollip"),  # ㄹ + ㄹ
        ("김치", "gimchi"),
        ("막걸리", "makgeolli"),
    ],
)
def test_hangul(hangul, latin):
    assert hangul_to_latin(hangul) == latin


def test_other_text_is_left_as_it_is_and_runs_are_set_apart():
    assert romanize_kana_and_hangul("Mug 도자기 茶").split() == ["Mug", "dojagi", "茶"]
    assert romanize_kana_and_hangul("抹茶ボウル").split() == ["抹茶", "bouru"]
