"""Minimisation at rest: what an audit entry (or a log line) may hold about the driver.

Applied to an entry's facts before they are hashed into the chain (:class:`Minimiser`):

- **coordinates** are snapped to ``privacy.stored_location_precision_km`` (brain/privacy.py's grid):
  latitude/longitude fields — ``lat``/``lon``, ``latitude``/``longitude`` or a VSS path ending in
  ``.Latitude``/``.Longitude``, paired by their prefix — and "lat, lon" written in text. No stored
  record needs an exact point: the navigation destination is exact only in the car's live signal store
  (memory); its audit line keeps the name the driver said and the snapped point.
- **message bodies** (the tool arguments named in ``privacy.stored_text_arguments``), the driver's words
  answering a read-back (``utterance``), **phone numbers** and **e-mail addresses** anywhere in the
  entry become ``[kind "preview" hmac:HEX]``: a redacted preview (the first word of a longer text, the
  last two digits of a number, the first letter and top-level domain of an address) and an HMAC-SHA256
  of the value under a per-car salt (32 hex digits). The salt is random, kept 0600 in the state dir
  (``salt``) and never leaves the car, so nobody can test guesses against a copy of the log — but when
  the driver reveals what was sent, ``cockpit privacy prove`` finds the entry that sent it. A body is
  also removed wherever the entry repeats it (the read-back quotes it).

:func:`minimise_log_text` is the same without the salt, for log lines: ``[phone]``, ``[email]``.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from cockpit.brain.privacy import _LAT_KEYS, _LON_KEYS, coarsen, redact_text
from cockpit.config import PrivacyPolicy
from cockpit.state import StateDir, open_private

SALT_FILE = "salt"
KEEP = frozenset({"id", "expired_id", "hash", "prev", "after_hash", "last_hash", "endpoint", "code", "kind",
                  "tool", "source", "channel"})
"""Keys whose values are identifiers or names, never driver data: left as they are."""
_HEX = re.compile(r"hmac:[0-9a-f]{32}")


class Salt:
    """The car's secret for sealing values: ``<state_dir>/salt``, 32 random bytes (hex), made 0600 on first use."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._key: bytes | None = None

    def key(self) -> bytes:
        if self._key is None:
            try:
                fd = open_private(self.path, os.O_WRONLY | os.O_EXCL)
            except FileExistsError:
                self._key = bytes.fromhex(self.path.read_text(encoding="ascii").strip())
            else:
                fresh = secrets.token_hex(32)
                try:
                    os.write(fd, fresh.encode("ascii"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
                self._key = bytes.fromhex(fresh)
        return self._key

    def forget(self) -> None:
        """A new salt next time (``cockpit privacy purge --all``): old hashes can no longer be proven."""
        self.path.unlink(missing_ok=True)
        self._key = None


def normal(kind: str, value: str) -> str:
    """The form that is sealed: a phone number's '+' and digits, an address in lower case, text as it is."""
    if kind == "phone":
        return ("+" if value.strip().startswith(("+", "00")) else "") + "".join(c for c in value if c.isdigit()).removeprefix(
            "00" if value.strip().startswith("00") else "")
    if kind == "email":
        return value.strip().casefold()
    return value


def seal(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}\0{normal(kind, value)}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def preview(kind: str, value: str) -> str:
    """A redacted preview that cannot hold the value: see the module docstring."""
    if kind == "phone":
        digits = [c for c in value if c.isdigit()]
        return "…" + "".join(digits[-2:])
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}…@….{domain.rsplit('.', 1)[-1]}"
    words = value.split()
    first = words[0] if len(words) > 1 else value[:1]
    if len(first) > 12 or any(c.isdigit() or c == "@" for c in first):
        first = ""
    return f"{first}… ({len(value)} chars)"


def token(key: bytes, kind: str, value: str) -> str:
    return f'[{kind} "{preview(kind, value)}" hmac:{seal(key, kind, value)}]'


def _at_rest(km: float) -> PrivacyPolicy:
    return PrivacyPolicy(location_precision_km=km, redact_phone=True, redact_email=True, redact_plate=False,
                         redact_vin=False)


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def snap_fields(data: dict, km: float) -> dict:
    """``data`` with its latitude/longitude number fields snapped, paired by key prefix."""
    if km <= 0:
        return data
    pairs: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        prefix, _, last = str(key).rpartition(".") if "." in str(key) else ("", "", str(key))
        axis = "lat" if last.lower() in _LAT_KEYS else "lon" if last.lower() in _LON_KEYS else None
        if axis and _is_num(value):
            pairs.setdefault(prefix, {})[axis] = key
    out = dict(data)
    for keys in pairs.values():
        lat, lon = coarsen(out.get(keys.get("lat"), 0.0), out.get(keys.get("lon"), 0.0), km)
        for axis, snapped in (("lat", lat), ("lon", lon)):
            if axis in keys:
                out[keys[axis]] = snapped
    return out


class Minimiser:
    """Rewrites an audit entry's facts for storage (see the module docstring)."""

    def __init__(self, precision_km: float, text_arguments: Iterable[str], key: Callable[[], bytes]):
        self.km, self.text_arguments, self.key = precision_km, frozenset(text_arguments), key
        self.policy = _at_rest(precision_km)

    @classmethod
    def for_settings(cls, settings: Any) -> "Minimiser":
        p = settings.privacy
        return cls(p.stored_location_precision_km, p.stored_text_arguments, Salt(StateDir.of(settings).path(SALT_FILE)).key)

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        bodies: dict[str, str] = {}  # the text -> its token
        self._collect(data, bodies, under_arguments=False)
        if isinstance(data.get("utterance"), str) and data["utterance"].strip():
            bodies.setdefault(data["utterance"], token(self.key(), "said", data["utterance"]))
        spans = sorted(((b, t) for body, t in bodies.items() for b in {body, body.strip()[:80]} if len(b) >= 2),
                       key=lambda pair: -len(pair[0]))
        return self._walk(data, spans, key=None)

    def _collect(self, value: Any, bodies: dict[str, str], under_arguments: bool) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                if under_arguments and k in self.text_arguments and isinstance(v, str) and v.strip():
                    bodies.setdefault(v, token(self.key(), "text", v))
                self._collect(v, bodies, under_arguments or k == "arguments")
        elif isinstance(value, (list, tuple)):
            for v in value:
                self._collect(v, bodies, under_arguments)

    def _walk(self, value: Any, spans: list[tuple[str, str]], key: Any) -> Any:
        if isinstance(value, Mapping):  # a tool call's arguments are read-only mappings
            return snap_fields({k: self._walk(v, spans, k) for k, v in value.items()}, self.km)
        if isinstance(value, (list, tuple)):
            return [self._walk(v, spans, key) for v in value]
        if not isinstance(value, str) or key in KEEP:
            return value
        for body, sealed in spans:
            if body == value:
                return sealed
            value = value.replace(body, sealed)
        text, _ = redact_text(value, self.policy, lambda kind, found: token(self.key(), kind, found))
        return text


def minimise_log_text(text: str, precision_km: float) -> str:
    """A log line's text with phone numbers and e-mail addresses replaced and coordinates snapped."""
    return redact_text(text, _at_rest(precision_km))[0]


def sealed_in(text: str) -> set[str]:
    """Every ``hmac:HEX`` seal in ``text``."""
    return set(_HEX.findall(text))


def seals_of(key: bytes, value: str) -> dict[str, str]:
    """What ``value`` would be sealed as, read as each kind: {kind: 'hmac:HEX'}."""
    return {kind: f"hmac:{seal(key, kind, value)}" for kind in ("text", "said", "phone", "email")}
