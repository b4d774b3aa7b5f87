"""Model output made speakable: markdown, links, emoji and symbols out; numbers, units, times,
money and temperatures in words (spoken_numbers.py); per language, "en" or "zh".

Garbled text is refused with :class:`UnspeakableText` rather than read aloud. The rule, in order:

1. the raw text holds U+FFFD replacement characters, lone surrogates or control characters other
   than tab, newline and carriage return (undecodable output — the same test as ``cockpit.brain.cloud.is_garbled``,
   written here so the speech side does not import the cloud client);
2. a run of 8 or more repeats of the same 1–6 letters ("hahahahahahahaha", "the the the ...",
   "哈哈哈哈哈哈哈哈"): a model stuck in a loop;
3. after cleaning, no letter at all is left (CJK ideographs count as letters);
4. more than a quarter of what is left is neither a letter, a digit nor sentence punctuation;
5. a Latin word longer than 30 letters, or at least a third of the Latin words (and at least one)
   are 5+ letters without a vowel ("zxcmn", "qwrtzp"; all-capital acronyms excepted);
6. UTF-8 read as Latin-1: "Ã" or "Â" before a character in U+0080..U+00BF ("Ã©tÃ©"), or accented
   Latin letters are more than a third of the Latin letters (and at least 4) — random bytes;
   "Café Müller in Zürich" passes.

Known gap: Chinese mojibake (UTF-8 read as GBK) is made of real ideographs and passes.
"""
from __future__ import annotations

import re
import unicodedata

from cockpit.tts.spoken_numbers import speak_numbers_en, speak_numbers_zh

LANGUAGES = ("en", "zh")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ZH_SIGN = re.compile(f"[{_CJK}。，！？、]")
_ENDS = ".!?。！？:："
_SPEECH_PUNCT = set(".,!?;:'\"-()/…—–、。，！？；：“”‘’（）《》「」『』·")
_ZH_PUNCT = {",": "，", ".": "。", "!": "！", "?": "？", ";": "；", ":": "："}

_BAD = re.compile("[\ufffd\ud800-\udfff\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_HTML = re.compile(r"</?[A-Za-z][^>\n]*>")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)[\s#]*$")
_BULLET = re.compile(r"^(?:[-*+•·‣◦]|\d{1,2}[.)])\s+(.*)$|^\d{1,2}、\s*(.*)$")
_TABLE = re.compile(r"^\|.*\|$")
_RULE = re.compile(r"^([-*_])(\s*\1){2,}$")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>])")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^>]*>|<[^>\s@]+@[^>\s]+>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+?(?=[.,;:!?)\]]*(?:\s|$))")
_EMAIL = re.compile(r"\b(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CODE = re.compile(r"`+([^`]*)`+")
_EMPHASIS = [re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), re.compile(r"~~(.+?)~~"),
             re.compile(r"(?<![\w*])(\*)(?=\S)(.+?)(?<=\S)\*(?![\w*])"),
             re.compile(r"(?<!\w)(_)(?=\S)(.+?)(?<=\S)_(?!\w)")]
_EN_WORDS = [(re.compile(r"\be\.\s?g\.", re.I), "for example"), (re.compile(r"\bi\.\s?e\.", re.I), "that is"),
             (re.compile(r"\betc\."), "et cetera."), (re.compile(r"\bvs\.?(?=\s)"), "versus"),
             (re.compile(r"\bapprox\."), "approximately"), (re.compile(r"\s*&\s*"), " and ")]
_FULLWIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "℃": "°C",
                            "℉": "°F", "−": "-", "￥": "¥", "＄": "$"})
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]")
_REPEAT = re.compile(r"(.{1,6}?)\1{7,}")
_VOWELS = set("aeiouyAEIOUY")


class UnspeakableText(ValueError):
    """After cleaning, nothing a person should hear is left: empty, symbols only, or garbled."""


def language_of(text: str) -> str:
    """'zh' when the text holds any CJK ideograph (or Chinese 。，！？、: a chunk like "22°C。"), else 'en'."""
    return "zh" if _ZH_SIGN.search(text) else "en"


def is_speakable(text: str, language: str | None = None) -> bool:
    """True when :func:`speakable` would return text rather than refuse it."""
    try:
        speakable(text, language)
    except UnspeakableText:
        return False
    return True


def speakable(text: str, language: str | None = None) -> str:
    """The text as it should be said. ``language`` defaults to :func:`language_of`.

    Raises UnspeakableText when nothing speakable is left or the text is garbled (module doc)."""
    language = language or language_of(text)
    if language not in LANGUAGES:
        raise ValueError(f"speakable text needs language 'en' or 'zh', not {language!r}")
    if _BAD.search(text):
        raise UnspeakableText(f"undecodable characters in {text[:40]!r}")
    if _MOJIBAKE.search(text):
        raise UnspeakableText(f"UTF-8 read as Latin-1 in {text[:40]!r}")
    plain = _symbols(_markdown(_normalise(text), language))
    if _REPEAT.search(re.sub(r"[\W\d_]", "", plain)):
        raise UnspeakableText(f"repeated junk in {text[:40]!r}")
    if language == "en":
        for pattern, words in _EN_WORDS:
            plain = pattern.sub(words, plain)
        spoken = speak_numbers_en(plain)
    else:
        spoken = speak_numbers_zh(plain.replace("&", "和"))
    spoken = _tidy(spoken, language)
    reason = _garbled(spoken)
    if reason:
        raise UnspeakableText(f"{reason}: {text[:40]!r}")
    return spoken


def _normalise(text: str) -> str:
    text = text.translate(_FULLWIDTH).replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"(?<=\d)[：．](?=\d)", lambda m: ":" if m[0] == "：" else ".", text)


def _markdown(text: str, language: str) -> str:
    """Blocks (headings, paragraphs, lists) become sentences; tables, rules and code blocks go."""
    text = _HTML.sub(" ", _FENCE.sub("\n\n", text))
    blocks: list[str] = []
    lines: list[str] = []
    items: list[str] = []

    def close() -> None:
        if items:
            lines.append(_flowing(items, language))
            items.clear()
        if lines:
            blocks.append(" ".join(lines))
            lines.clear()

    for raw in text.split("\n"):
        line = _QUOTE.sub("", raw).strip()
        heading, bullet = _HEADING.match(line), _BULLET.match(line)
        if not line or _TABLE.match(line) or _RULE.match(line):
            close()
        elif heading:
            close()
            blocks.append(_inline(heading[1]))
        elif bullet:
            items.append(_inline(bullet[1] or bullet[2] or ""))
        else:
            if items:
                close()
            lines.append(_inline(line))
    close()
    blocks = [b.strip() for b in blocks if b.strip()]
    stop = "。" if language == "zh" else "."
    return " ".join(b if k == len(blocks) - 1 or b[-1] in _ENDS else b + stop for k, b in enumerate(blocks))


def _flowing(items: list[str], language: str) -> str:
    """List items as one sentence: 'A, B, C' / '甲、乙、丙' (短项) or '甲，乙' (长项)."""
    items = [i.strip().rstrip(",;，；、") for i in items if i.strip().rstrip(",;，；、")]
    if language == "zh":
        short = all(len(i) <= 8 and not re.search(r"[，。！？；：,.!?;:\s]", i) for i in items)
        sep, after_end = ("、" if short else "，"), ""
    else:
        sep, after_end = ", ", " "
    out = ""
    for item in items:
        out += (after_end if out[-1] in _ENDS else sep) + item if out else item
    return out


def _inline(text: str) -> str:
    text = _ESCAPE.sub(r"\1", text)
    text = _LINK.sub(r"\1", _IMAGE.sub(r"\1", text))
    text = _EMAIL.sub(" ", _URL.sub(" ", _AUTOLINK.sub(" ", text)))
    text = _CODE.sub(r"\1", text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\2" if pattern.groups == 2 else r"\1", text)
    return re.sub(r"[*#`|~]", " ", text).replace("_", " ")


def _symbols(text: str) -> str:
    """Emoji, pictographs, modifiers, private-use and format characters out; the degree sign stays."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch == "°":
            out.append(ch)
        elif cat == "Cf" or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef":
            continue  # zero-width joiners, variation selectors, soft hyphens
        elif cat in ("So", "Sk", "Co", "Me") or "\u2190" <= ch <= "\u21ff" or ch in "•‣◦":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _tidy(text: str, language: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\(\s*\)|（\s*）", " ", text)
    text = re.sub(r"\s+([,.!?;:，。！？；：、])", r"\1", text)
    text = re.sub(r"([,;:，；：、])(?:\s*[,;:，；：、])+", r"\1", text)
    text = re.sub(r"[,;:，；：、]\s*([.!?。！？])", r"\1", text)
    if language == "zh":
        text = re.sub(f"(?<=[{_CJK}])([,.!?;:])", lambda m: _ZH_PUNCT[m[1]], text)
        text = re.sub(f"(?<=[{_CJK}\u3000-\u303f\uff00-\uffef])\\s+(?=[{_CJK}\u3000-\u303f\uff00-\uffef])", "", text)
    return text.strip().lstrip(",.;:!?，。；：！？、 ").strip()


def _garbled(text: str) -> str | None:
    visible = [c for c in text if not c.isspace()]
    if not any(c.isalpha() for c in visible):
        return "nothing to say"
    junk = sum(1 for c in visible if not c.isalnum() and c not in _SPEECH_PUNCT)
    if junk * 4 > len(visible):
        return "mostly symbols"
    words = re.findall(r"[A-Za-z\u00c0-\u024f]+", text)
    if any(len(w) > 30 for w in words):
        return "a word too long to be one"
    bare = [w for w in words if len(w) >= 5 and not w.isupper()
            and not _VOWELS & set(unicodedata.normalize("NFD", w))]
    if bare and len(bare) * 3 >= len(words):
        return "words without vowels"
    latin = "".join(words)
    accented = sum(1 for c in latin if c > "\x7f")
    if accented >= 4 and accented * 3 > len(latin):
        return "mojibake"
    return None
