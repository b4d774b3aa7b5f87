"""Sentence chunker: the same chunks whatever the token split; the first chunk leaves early."""
import random

import pytest

from cockpit.tts.chunker import SentenceChunker, chunks
from cockpit.tts.text import speakable

EN_REPLY = ("Sure, I've set the cabin to 21.5 degrees, which should feel warm. The nearest charger is "
            "1.7 km away, e.g. the one on Main St. next to the bakery! It has 4 free bays; shall I start "
            "navigation? Traffic is light.")
ZH_REPLY = ("好的，已经为您把空调温度调到二十二度，风量调到三档。前方一点七公里有一个充电站，目前有两个空闲车位！"
            "需要我为您导航过去吗？“好的”。")
REPLIES = [("en", EN_REPLY), ("zh", ZH_REPLY),
           ("en", "OK. " + "This sentence has no break at all and keeps going " * 8 + "until it ends."),
           ("zh", "好的。" + "这是一段很长很长的没有任何标点符号的中文句子" * 12 + "。")]


def _stream(text: str, pieces, **sizes) -> list[str]:
    chunker = SentenceChunker(**sizes)
    out: list[str] = []
    for piece in pieces:
        out += chunker.feed(piece)
    return out + chunker.flush()


def _random_split(text: str, seed: int) -> list[str]:
    rng, pieces, i = random.Random(seed), [], 0
    while i < len(text):
        n = rng.randint(1, 4)
        pieces.append(text[i:i + n])
        i += n
    return pieces


def _joined(parts: list[str], language: str) -> str:
    return (" " if language == "en" else "").join(parts)


def _normal(text: str, language: str) -> str:
    return " ".join(text.split()) if language == "en" else "".join(text.split())


@pytest.mark.parametrize("language, text", REPLIES)
def test_same_chunks_whatever_the_split(language, text):
    whole = chunks(text)
    assert _stream(text, list(text)) == whole  # char by char
    assert _stream(text, [text]) == whole
    for seed in range(60):
        assert _stream(text, _random_split(text, seed)) == whole, seed
    assert _joined(whole, language) == _normal(text, language)
    assert all(c == c.strip() and c for c in whole)
    assert all(len(c) <= 240 for c in whole)


def test_english_chunks():
    assert chunks(EN_REPLY) == [
        "Sure, I've set the cabin to 21.5 degrees,",  # "Sure," alone is too short
        "which should feel warm.",
        "The nearest charger is 1.7 km away, e.g. the one on Main St. next to the bakery!",  # clause breaks: first only
        "It has 4 free bays; shall I start navigation?",
        "Traffic is light.",
    ]


def test_mandarin_chunks_weigh_each_character_as_two():
    assert chunks(ZH_REPLY) == [
        "好的，已经为您把空调温度调到二十二度，",  # 好的， is too short; 18 ideographs = 36 >= 24
        "风量调到三档。",
        "前方一点七公里有一个充电站，目前有两个空闲车位！",
        "需要我为您导航过去吗？",
        "“好的”。",
    ]
    assert chunks("好的，马上为您打开空调。") == ["好的，马上为您打开空调。"]  # 好的， weighs 6, 。 comes at 22 < 24: one chunk
    assert chunks("好的，马上为您打开空调吧。现在出发。", first_min_chars=10) == ["好的，马上为您打开空调吧。", "现在出发。"]


def test_first_chunk_leaves_at_first_break_after_min():
    c = SentenceChunker(first_min_chars=24)
    assert c.feed("Sure, ") == []
    assert c.feed("the temperature is now") == []
    assert c.feed(" 22 degrees,") == []  # the ',' waits for the next character
    assert c.feed(" and the fan") == ["Sure, the temperature is now 22 degrees,"]
    assert c.feed(" is on low, as you like it.") == []  # later chunks: sentence ends only
    assert c.feed(" Anything") == ["and the fan is on low, as you like it."]
    assert c.flush() == ["Anything"]
    assert c.feed("Hello there, friend. ") == []  # flush reset the chunker: the first-chunk rules again


@pytest.mark.parametrize("pieces, expected", [
    (["It is 21", ".", "5 degrees outside now."], ["It is 21.5 degrees outside now."]),
    (["It is 21.", "5 degrees outside now."], ["It is 21.5 degrees outside now."]),
    (["Pick one, e.", "g. the fast charger over there."], ["Pick one, e.g. the fast charger over there."]),
    (["Ask Dr. Smith or go to Main St. first, then", " wait."], ["Ask Dr. Smith or go to Main St. first,", "then wait."]),
    (["Please keep it under 80 km/h. The road is wet."], ["Please keep it under 80 km/h.", "The road is wet."]),
])
def test_decimals_and_abbreviations_are_not_breaks(pieces, expected):
    assert _stream("".join(pieces), pieces) == expected


def test_trailing_period_waits_for_the_next_character():
    c = SentenceChunker(first_min_chars=5)
    assert c.feed("The temperature is 21.") == []
    assert c.feed("5") == []
    c = SentenceChunker(first_min_chars=5)
    assert c.feed("The temperature is 21.") == []
    assert c.feed(" Done") == ["The temperature is 21."]


def test_max_chars_cut_at_word_boundary():
    text = "word " * 30 + "end"
    got = chunks(text, first_min_chars=10, max_chars=40)
    assert all(len(c) <= 40 for c in got)
    assert all(not c.startswith("ord") and c.split()[-1] in ("word", "end") for c in got)
    assert " ".join(got) == " ".join(text.split())


def test_max_chars_prefers_a_late_clause_break():
    text = "First. " + "alpha beta gamma, delta epsilon zeta eta theta iota kappa lambda mu"
    got = chunks(text, first_min_chars=3, max_chars=60)
    assert got[:2] == ["First.", "alpha beta gamma, delta epsilon zeta eta theta iota kappa"]


def test_max_chars_cuts_mandarin_between_characters():
    got = chunks("字" * 50, max_chars=40)
    assert got == ["字" * 20, "字" * 20, "字" * 10]


def test_whitespace_only_is_never_a_chunk():
    c = SentenceChunker()
    assert c.feed("   \n  ") == [] and c.flush() == []
    assert chunks("") == []


def test_blank_line_ends_a_sentence_and_lists_stay_together():
    text = "## Nearby chargers for your car\n\nThere are three:\n- Ionity\n- Tesla\n- EnBW\n\nShall I go?"
    assert chunks(text) == ["## Nearby chargers for your car", "There are three:\n- Ionity\n- Tesla\n- EnBW",
                            "Shall I go?"]


def test_numbered_list_marker_is_not_a_sentence():
    text = "Here is the plan for today.\n1. Charge the car\n2. Drive home."
    assert chunks(text) == ["Here is the plan for today.", "1. Charge the car\n2. Drive home."]


def test_closing_quotes_and_runs_stay_with_their_sentence():
    assert chunks('He said "stop right there now." Then he left?! Really.', first_min_chars=10) == [
        'He said "stop right there now."', "Then he left?!", "Really."]
    assert chunks("他说：“我们马上就要到达目的地了。”然后停车了。", first_min_chars=10) == [
        "他说：“我们马上就要到达目的地了。”", "然后停车了。"]


@pytest.mark.parametrize("language, text", REPLIES)
def test_every_chunk_is_speakable(language, text):
    assert all(speakable(c) for c in chunks(text))
    assert speakable(chunks(EN_REPLY)[0]) == "Sure, I've set the cabin to twenty one point five degrees,"
