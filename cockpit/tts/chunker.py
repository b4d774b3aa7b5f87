"""Sentence chunks for speech, cut from a model's token stream as it arrives.

Rules (the same chunks come out whatever the deltas look like — a break that depends on the next
character waits for it, and :meth:`SentenceChunker.flush` decides at the end of the reply):

* Lengths are weighted: a CJK ideograph counts as 2 characters (it is a syllable, about as long
  to say as two Latin letters are to read), everything else as 1.
* The first chunk leaves at the first sentence *or clause* break once it is at least
  ``first_min_chars`` long, so speech starts early. Later chunks leave at sentence breaks only:
  bigger chunks sound better.
* Sentence breaks: ``. ! ?`` followed by whitespace (or a CJK character for ``! ?``), after any
  closing quotes or brackets; ``。！？…`` without waiting for a space (only for the next character, which may be a closer or
  another ``！``); a blank line. A ``.`` is no
  break inside a number ("21.5"), after an abbreviation ("e.g.", "Dr.", "St.") or after a list
  number at the start of a line ("1.").
* Clause breaks: ``, ; :`` followed by whitespace or CJK; ``，；：、`` at once; an em dash.
* A chunk with no break is cut once it would pass ``max_chars``: at its last clause break if
  that is in its second half, else at its last word boundary (a space, or either side of a CJK character), else
  hard at ``max_chars``.
* Chunks are stripped; whitespace inside them (newlines of a markdown list) is kept for
  :func:`cockpit.tts.text.speakable`. Whitespace-only chunks are never returned.
"""
from __future__ import annotations

import re

_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ENDS = ".!?。！？…"
_WIDE_ENDS = "。！？…"
_CLOSERS = "\"')]}”’」』）》"
_CLAUSE = ",;:"
_WIDE_CLAUSE = "，；：、"
_DASHES = "—"
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "prof", "vs", "approx", "ca", "fig",
                  "mt", "ave", "co", "inc", "ltd"}
_DOTTED = re.compile(r"^(?:[a-z]\.)+[a-z]$")  # e.g / i.e / u.s
_PENDING = "pending"


def _weight(ch: str) -> int:
    return 2 if _CJK.match(ch) else 1


class SentenceChunker:
    """Feed model deltas, get speakable chunks. One instance per reply; ``flush`` resets it."""

    def __init__(self, first_min_chars: int = 24, max_chars: int = 240):
        if first_min_chars < 0 or max_chars < 2:
            raise ValueError(f"bad chunk sizes: first_min_chars={first_min_chars}, max_chars={max_chars}")
        self.first_min_chars = first_min_chars
        self.max_chars = max_chars
        self._buf = ""
        self._first = True

    def feed(self, delta: str) -> list[str]:
        """Add model text; returns the chunks it completed (often none)."""
        self._buf += delta
        return self._drain(final=False)

    def flush(self) -> list[str]:
        """The reply is over: every remaining chunk. The chunker is then fresh for a new reply."""
        out = self._drain(final=True)
        rest = self._buf.strip()
        if rest:
            out.append(rest)
        self._buf, self._first = "", True
        return out

    def _drain(self, final: bool) -> list[str]:
        out = []
        while (cut := self._next_cut(final)) is not None:
            chunk, self._buf = self._buf[:cut].strip(), self._buf[cut:]
            if chunk:
                out.append(chunk)
                self._first = False
        return out

    def _next_cut(self, final: bool) -> int | None:
        """Where the next chunk ends in the buffer, or None when more text must decide."""
        buf = self._buf
        start = len(buf) - len(buf.lstrip())
        weight, last_clause, last_word = 0, None, None
        for j in range(start + 1, len(buf) + 1):
            weight += _weight(buf[j - 1])
            if weight > self.max_chars:
                return last_clause or last_word or j - 1
            kind = _break_at(buf, start, j, final)
            if kind == _PENDING:
                return None
            if kind == "sentence" and (not self._first or weight >= self.first_min_chars):
                return j
            if kind == "clause":
                if self._first and weight >= self.first_min_chars:
                    return j
                if weight * 2 >= self.max_chars:
                    last_clause = j
            if j < len(buf) and (buf[j].isspace() and not buf[j - 1].isspace()
                                 or _CJK.match(buf[j]) or _CJK.match(buf[j - 1])):
                last_word = j
        return None


def _break_at(buf: str, start: int, j: int, final: bool) -> str | None:
    """'sentence', 'clause', None or _PENDING for a cut after ``buf[:j]``."""
    nxt = buf[j] if j < len(buf) else None
    k = j - 1
    while k > start and buf[k] in _CLOSERS:
        k -= 1
    c = buf[k]
    if c in _ENDS:
        if nxt is None:
            return "sentence" if final else _PENDING
        if nxt in _ENDS or nxt in _CLOSERS:
            return None  # the break comes after the whole run "?!", "...", '."'
        if c in _WIDE_ENDS:
            return "sentence"
        if not (nxt.isspace() or (c != "." and _CJK.match(nxt))):
            return None
        return None if c == "." and _not_a_full_stop(buf, start, k) else "sentence"
    if k != j - 1:
        return None  # a closer not after a sentence end
    if c in _WIDE_CLAUSE:
        return "clause"
    if c in _CLAUSE or c in _DASHES:
        if nxt is None:
            return "clause" if final else _PENDING
        if c in _DASHES:
            return None if nxt in _DASHES else "clause"
        return "clause" if nxt.isspace() or _CJK.match(nxt) else None
    if not c.isspace() and nxt is not None and nxt.isspace():
        return _paragraph(buf, j, final)
    return None


def _not_a_full_stop(buf: str, start: int, dot: int) -> bool:
    """The '.' at ``dot`` ends an abbreviation or a list number at the start of a line."""
    head = buf[start:dot]
    word = re.split(r"\s", head)[-1].lstrip("(\"'“‘").lower()
    if word in _ABBREVIATIONS or _DOTTED.match(word):
        return True
    line_start = head.rfind("\n") + 1
    return word.isdigit() and len(word) <= 2 and head[line_start:].strip() == word


def _paragraph(buf: str, j: int, final: bool) -> str | None:
    """A blank line after ``buf[:j]`` ends a sentence, even without punctuation."""
    end = j
    while end < len(buf) and buf[end].isspace():
        end += 1
    if buf.count("\n", j, end) >= 2:
        return "sentence"
    return _PENDING if end == len(buf) and not final else None


def chunks(text: str, first_min_chars: int = 24, max_chars: int = 240) -> list[str]:
    """A whole reply cut into chunks by the same rules as a stream."""
    chunker = SentenceChunker(first_min_chars, max_chars)
    return chunker.feed(text) + chunker.flush()
