"""What may leave the car: identifiers redacted, location coarsened, every payload audited.

Pure functions, no I/O. ``filter_payload`` is applied to every OpenAI chat request before it
goes to a cloud model; its ``PrivacyReport`` goes to the audit log.
"""
from __future__ import annotations

import copy
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from cockpit.config import PrivacyPolicy


@dataclass(frozen=True)
class Redaction:
    """One kind of change made to a payload: phone | email | plate | vin | location."""
    kind: str
    count: int


@dataclass(frozen=True)
class PrivacyReport:
    """Every redaction made to one payload, for the audit log."""
    redactions: tuple[Redaction, ...] = ()

    @property
    def total(self) -> int:
        return sum(r.count for r in self.redactions)

    def counts(self) -> dict[str, int]:
        return {r.kind: r.count for r in self.redactions}


_NB = r"(?<![0-9A-Za-z+])"  # not glued to a word or a '+' on the left (CJK text may be)
_NA = r"(?![0-9A-Za-z])"
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_VIN = re.compile(_NB + r"[A-HJ-NPR-Z0-9]{17}" + _NA, re.IGNORECASE)
_PLATES = [
    re.compile(r"(?<![\w-])[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} ?[1-9]\d{0,3}[EH]?" + _NA),  # DE  M-AB 1234
    re.compile(_NB + r"[A-Z]{2}\d{2} ?[A-Z]{3}" + _NA),  # UK  AB12 CDE
    re.compile(_NB + r"\d[A-Z]{3}\d{3}" + _NA),  # US (CA)  7ABC123
    re.compile(_NB + r"[A-Z]{3}-\d{4}" + _NA),  # US  ABC-1234
    re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
               r"[A-Z][·•. ]?(?=[A-Z0-9]*\d)[A-HJ-NP-Z0-9]{5,6}" + _NA),  # CN  京A12345
]
_PB = r"(?<![0-9A-Za-z+\-./])"  # a phone number does not continue a number or a word
_PHONES = [  # (pattern, min digits, max digits), tried in this order
    (re.compile(_PB + r"(?:\+|00)[1-9]\d{0,2}(?: ?\(0\))?[ .\-]?\(?\d{1,5}\)?(?:[ .\-]?\(?\d{2,5}\)?){0,4}" + _NA), 8, 15),
    (re.compile(r"(?<![\d\-.])1[3-9]\d(?:[ \-]?\d{4}){2}(?![\d\-])"), 11, 11),
    (re.compile(_PB + r"(?:1[ .\-])?(?:\(\d{3}\) ?|\d{3}[ .\-])\d{3}[ .\-]\d{4}" + _NA), 10, 11),
    (re.compile(_PB + r"\(?0\d{1,4}\)?(?:[ .\-/]?\d{2,8}){1,4}" + _NA), 9, 12),
]
_DATE = re.compile(r"(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})(?![./-]?\d)")
_COORD_TEXT = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{4,})\s*,\s*(-?\d{1,3}\.\d{4,})(?![\d.])")
_LAT_KEYS = {"lat", "latitude"}
_LON_KEYS = {"lon", "lng", "long", "longitude"}
_VIN_VALUES = dict(zip("0123456789ABCDEFGHJKLMNPRSTUVWXYZ",
                       [*range(10), *range(1, 9), *range(1, 6), 7, 9, *range(2, 10)]))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit_ok(vin: str) -> bool:
    """North-American (ISO 3779 + 49 CFR 565) check digit at position 9."""
    vin = vin.upper()
    if len(vin) != 17 or any(c not in _VIN_VALUES for c in vin):
        return False
    rest = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS)) % 11
    return vin[8] == ("X" if rest == 10 else str(rest))


def _is_vin(token: str) -> bool:
    """Any VIN-shaped token of letters and digits; all digits only with a valid NA check digit."""
    mixed = any(c.isalpha() for c in token) and any(c.isdigit() for c in token)
    return mixed or (token[0] in "12345" and vin_check_digit_ok(token))


def redact_text(text: str, policy: PrivacyPolicy,
                replace: Callable[[str, str], str] = lambda kind, found: f"[{kind}]") -> tuple[str, dict[str, int]]:
    """Replace identifiers with typed placeholders (``replace(kind, what was found)``; the audit log's
    minimiser puts a salted hash there); returns (text, {kind: count})."""
    found: Counter[str] = Counter()

    def sub(pattern: re.Pattern[str], kind: str, text: str, keep=lambda s: True) -> str:
        def repl(m: re.Match[str]) -> str:
            if keep(m.group(0)):
                found[kind] += 1
                return replace(kind, m.group(0))
            return m.group(0)
        return pattern.sub(repl, text)

    if policy.redact_email:
        text = sub(_EMAIL, "email", text)
    if policy.redact_vin:
        text = sub(_VIN, "vin", text, _is_vin)
    if policy.redact_plate:
        for pattern in _PLATES:
            text = sub(pattern, "plate", text)
    if policy.redact_phone:
        for pattern, lo, hi in _PHONES:
            text = sub(pattern, "phone", text,  # digit count in range, and not a date
                       lambda s, lo=lo, hi=hi: lo <= sum(map(str.isdigit, s)) <= hi and not _DATE.match(s))
    if policy.location_precision_km > 0:
        def coarse(m: re.Match[str]) -> str:
            lat, lon = float(m.group(1)), float(m.group(2))
            if abs(lat) > 90 or abs(lon) > 180:
                return m.group(0)
            found["location"] += 1
            return "%.5f, %.5f" % coarsen(lat, lon, policy.location_precision_km)
        text = _COORD_TEXT.sub(coarse, text)
    return text, dict(found)


def coarsen(lat: float, lon: float, km: float) -> tuple[float, float]:
    """Snap a position to the nearest node of a grid ``km`` apart (0: unchanged).

    Latitude steps are km/111.32 degrees; longitude steps widen with the snapped latitude so a
    cell stays ~km wide and every point of one cell maps to the same node."""
    if km <= 0:
        return lat, lon
    lat_step = km / 111.32
    snapped_lat = max(-90.0, min(90.0, round(lat / lat_step) * lat_step))
    lon_step = min(km / (111.32 * max(math.cos(math.radians(snapped_lat)), 1e-3)), 360.0)
    snapped_lon = round(lon / lon_step) * lon_step
    if abs(snapped_lon) > 180:
        snapped_lon = (snapped_lon + 180.0) % 360.0 - 180.0
    return round(snapped_lat, 6), round(snapped_lon, 6)


def _walk(value: Any, policy: PrivacyPolicy, found: Counter[str]) -> Any:
    """Redact strings and coarsen lat/lon number fields of decoded JSON (returns a new value)."""
    if isinstance(value, str):
        text, hits = redact_text(value, policy)
        found.update(hits)
        return text
    if isinstance(value, list):
        return [_walk(v, policy, found) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _walk(v, policy, found) for k, v in value.items()}
    num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: E731
    lat_key = next((k for k in out if k.lower() in _LAT_KEYS and num(out[k])), None)
    lon_key = next((k for k in out if k.lower() in _LON_KEYS and num(out[k])), None)
    if policy.location_precision_km > 0 and (lat_key or lon_key):
        lat, lon = coarsen(out.get(lat_key, 0.0), out.get(lon_key, 0.0), policy.location_precision_km)
        out.update({k: v for k, v in ((lat_key, lat), (lon_key, lon)) if k is not None})
        found["location"] += 1
    return out


def _filter_string(text: str, policy: PrivacyPolicy, found: Counter[str]) -> str:
    """A string that holds a JSON object/array is walked as JSON, anything else as text."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            decoded, before = json.loads(text), sum(found.values())
        except ValueError:
            pass
        else:  # re-encoded only if something changed
            walked = _walk(decoded, policy, found)
            return text if sum(found.values()) == before else json.dumps(walked, ensure_ascii=False)
    return _walk(text, policy, found)


def filter_payload(messages: list[dict], policy: PrivacyPolicy) -> tuple[list[dict], PrivacyReport]:
    """Filter OpenAI chat messages (content and tool-call arguments) without touching the input."""
    found: Counter[str] = Counter()
    out = copy.deepcopy(messages)
    for message in out:
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = _filter_string(content, policy, found)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    part["text"] = _filter_string(part["text"], policy, found)
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                function["arguments"] = _filter_string(function["arguments"], policy, found)
    return out, PrivacyReport(tuple(Redaction(k, n) for k, n in sorted(found.items())))
