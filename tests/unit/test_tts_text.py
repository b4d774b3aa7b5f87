"""Speakable text: markdown, symbols, numbers and units per language; garbled text refused."""
import random

import pytest

from cockpit.tts.spoken_numbers import en_integer, en_ordinal, zh_integer
from cockpit.tts.text import UnspeakableText, is_speakable, language_of, speakable

EN = [
    # numbers, units, temperatures
    ("It is 21.5°C outside.", "It is twenty one point five degrees Celsius outside."),
    ("-3 °C tonight", "minus three degrees Celsius tonight"),
    ("Set to 70°F.", "Set to seventy degrees Fahrenheit."),
    ("It will be 20-25°C.", "It will be twenty to twenty five degrees Celsius."),
    ("Turn right in 1.7 km.", "Turn right in one point seven kilometres."),
    ("In 350 m, turn left.", "In three hundred fifty metres, turn left."),
    ("It is 1 km away.", "It is one kilometre away."),
    ("The limit is 80 km/h.", "The limit is eighty kilometres per hour."),
    ("Battery at 62%.", "Battery at sixty two percent."),
    ("You used 12 kWh; kWh prices vary.", "You used twelve kilowatt hours; kilowatt hours prices vary."),
    ("Tyres at 2.4 bar.", "Tyres at two point four bar."),
    ("About 45 min to go.", "About forty five minutes to go."),
    ("10003 steps", "ten thousand three steps"),
    ("1,234,567 cars", "one million two hundred thirty four thousand five hundred sixty seven cars"),
    ("Call 0800123", "Call zero eight zero zero one two three"),
    # times
    ("Meet at 14:30.", "Meet at fourteen thirty."),
    ("Pick up at 2:05 pm.", "Pick up at two oh five p m."),
    ("Leave at 9:00.", "Leave at nine o'clock."),
    ("Opens at 7 AM", "Opens at seven a m"),
    # money, ordinals, abbreviations
    ("Coffee is €4.50 and tea $3.", "Coffee is four euros fifty and tea three dollars."),
    ("Parking costs $1.", "Parking costs one dollar."),
    ("Take the 1st exit, then the 22nd street.", "Take the first exit, then the twenty second street."),
    ("Snacks, e.g. chips & dip", "Snacks, for example chips and dip"),
    ("Take the A12 towards the B5 in your X5.", "Take the A12 towards the B5 in your X5."),
    # markdown, emoji, links
    ("## Weather\n\nIt is **sunny** and *warm* 😀👍🏽.", "Weather. It is sunny and warm."),
    ("Stations:\n- Shell\n- BP\n- Aral", "Stations: Shell, BP, Aral"),
    ("1. Go north\n2. Turn left\n3. Park", "Go north, Turn left, Park"),
    ("See [the map](https://maps.example.com/a) for details.", "See the map for details."),
    ("More at https://example.com/page.", "More at."),
    ("Mail me at me@example.com today.", "Mail me at today."),
    ("Run `cockpit doctor` now.\n```bash\ncockpit doctor --all\n```\nDone.", "Run cockpit doctor now. Done."),
    ("| a | b |\n|---|---|\n| 1 | 2 |\n\nThat is all.", "That is all."),
    ("Great job 👨‍👩‍👧 ❤️ ✨!", "Great job!"),
    ("> Quoted _line_ here", "Quoted line here"),
]

ZH = [
    ("现在22度", "现在二十二度"),
    ("车内温度22°C", "车内温度二十二度"),
    ("室外21.5°C", "室外二十一点五度"),
    ("明天-3度", "明天零下三度"),
    ("气温-3°C", "气温零下三度"),
    ("会议在14:30开始", "会议在十四点三十分开始"),
    ("我们14:05出发", "我们十四点零五分出发"),
    ("下午2点见", "下午两点见"),
    ("前方1.7公里", "前方一点七公里"),
    ("1.7 km后右转", "一点七公里后右转"),
    ("350米后左转", "三百五十米后左转"),
    ("限速80 km/h", "限速每小时八十公里"),
    ("电量62%", "电量百分之六十二"),
    ("2026年春天", "二零二六年春天"),
    ("一共走了10003步", "一共走了一万零三步"),
    ("还有2个车位", "还有两个车位"),
    ("票价¥30", "票价三十元"),
    ("选项：\n- 加油站\n- 充电站\n- 餐厅", "选项：加油站、充电站、餐厅"),
    ("好的,我来帮你!", "好的，我来帮你！"),
    ("## 天气\n\n今天**晴**，适合出行😀", "天气。今天晴，适合出行"),
    ("详情见 https://example.com 。", "详情见。"),
    ("G4高速畅通", "G4高速畅通"),
]


@pytest.mark.parametrize("text, spoken", EN)
def test_english(text, spoken):
    assert speakable(text, "en") == spoken


@pytest.mark.parametrize("text, spoken", ZH)
def test_mandarin(text, spoken):
    assert speakable(text) == spoken  # language_of picks zh


@pytest.mark.parametrize("text, spoken", [("22°C", "二十二度"), ("21.5°C", "二十一点五度"), ("14:30", "十四点三十分"),
                                          ("80 km/h", "每小时八十公里"), ("62%", "百分之六十二"), ("2", "二"),
                                          ("2 km", "两公里"), ("2.5 km", "二点五公里")])
def test_mandarin_forced_on_ascii(text, spoken):
    assert speakable(text, "zh") == spoken


def test_language_of():
    assert language_of("Turn left in 300 m") == "en"
    assert language_of("前方300米左转") == "zh"
    assert language_of("22°C。") == "zh"
    with pytest.raises(ValueError):
        speakable("hola", "es")


@pytest.mark.parametrize("n, en, zh", [(0, "zero", "零"), (10, "ten", "十"), (15, "fifteen", "十五"),
                                       (105, "one hundred five", "一百零五"), (1005, "one thousand five", "一千零五"),
                                       (10010, "ten thousand ten", "一万零一十"), (100000, "one hundred thousand", "十万"),
                                       (110000, "one hundred ten thousand", "十一万"),
                                       (100000001, "one hundred million one", "一亿零一"),
                                       (999999999, "nine hundred ninety nine million nine hundred ninety nine thousand "
                                        "nine hundred ninety nine", "九亿九千九百九十九万九千九百九十九")])
def test_number_words(n, en, zh):
    assert en_integer(n) == en and zh_integer(n) == zh


def test_ordinals():
    assert [en_ordinal(n) for n in (1, 2, 3, 5, 12, 20, 21, 100)] == [
        "first", "second", "third", "fifth", "twelfth", "twentieth", "twenty first", "one hundredth"]


def _random_bytes(seed: int, lo: int = 0, hi: int = 256) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(lo, hi) for _ in range(48))


GARBLED = [
    "\ufffd\ufffd\ufffd\ufffd hello",
    "Hello \ufffd there",
    "status\x00\x01\x02 ok",
    "asdkjh qwpeoi zxcmn",
    "hahahahahahahahahahahaha",
    "the the the the the the the the the",
    "哈哈哈哈哈哈哈哈哈哈",
    "x7#k@9!~q%^$&*+=<>{}[]",
    "!!!???###@@@",
    "😀😀😀👍",
    "",
    "   \n ",
    "**",
    "https://example.com/only-a-link",
    "a" * 40,
    "Ã©tÃ© trÃ¨s bien",
    *[_random_bytes(seed).decode("utf-8", "replace") for seed in range(5)],
    *[_random_bytes(seed).decode("latin-1") for seed in range(5)],
    *[_random_bytes(seed, 0xA0).decode("latin-1") for seed in range(5)],
]


@pytest.mark.parametrize("text", GARBLED)
def test_garbled_is_refused(text):
    assert not is_speakable(text)
    with pytest.raises(UnspeakableText):
        speakable(text)


CLEAN = ["Hello there, how are you?", "OK!", "Hmm... let me think.", "Rhythm and blues.", "NVIDIA and HTTPS.",
         "Café Müller in Zürich.", "São Paulo is far.", "Turn left.", "12:30", "22°C", "你好，今天天气很好。",
         "好的。", "打开 Apple Music。", "Psst, the A12 is closed."]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_passes(text):
    assert is_speakable(text)
    assert speakable(text).strip()
