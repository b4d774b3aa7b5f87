"""The daemon (`cockpit run`) and its HMI API."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from cockpit.config.base import Section

LOOPBACK = ("127.0.0.1", "::1", "localhost")
_ORIGIN = re.compile(r"^https?://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\Z", re.IGNORECASE)
_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)\Z")


class ServiceSettings(Section):
    host: str = "127.0.0.1"
    """Where the HTTP/WebSocket API listens. Any address other than loopback needs a token."""
    port: int = Field(8765, ge=0, le=65535)
    """TCP port of the API and the simulator page (0 = any free port, logged at start)."""
    token: str | None = Field(None, min_length=16)
    """Bearer token the API requires (header `Authorization: Bearer ...` or `?token=`); also read from
    $COCKPIT_API_TOKEN. Required when `host` is not loopback. When set, every API call needs it (the
    page and its files excepted), vehicle writes and confirmations included."""
    require_token: bool = False
    """Refuse to start without a token, even on loopback (configs for a car: x86-box, jetson-orin)."""
    allowed_origins: list[str] = Field(default_factory=list)
    """Web origins besides the daemon's own (e.g. 'http://headunit.local:3000', a head-unit app) whose
    pages may call the API. A request with no Origin header (curl, a native client) passes this check;
    any other origin gets 403 (HTTP) or a refused handshake (WebSocket)."""
    allowed_hosts: list[str] = Field(default_factory=list)
    """Host names besides 127.0.0.1, localhost, [::1] and `host` under which clients reach the daemon
    (e.g. the box's address on the head-unit network when `host` is 0.0.0.0). Any other Host header is
    refused (DNS rebinding); the daemon's own origin is http://NAME:port for each of these names."""
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    """Largest HTTP request body; larger ones get 413 (api-too-large)."""
    max_message_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    """Largest WebSocket message, text or binary: a larger one gets an api-too-large error and the
    connection stays; beyond twice this the connection is closed (1009). Microphone frames are at
    most 2 s of audio (64000 bytes) whatever this says."""
    max_text_chars: int = Field(500, ge=1, le=2000)
    """Longest typed request (POST /turns/text, the WebSocket `text` message)."""
    rate_per_s: float = Field(20.0, gt=0.0, le=10000.0)
    """Messages per second each client may send (a token bucket per WebSocket connection for its JSON
    messages, per address for HTTP calls); the excess gets api-rate-limited (WebSocket: an error
    message, the connection stays; HTTP: 429). Microphone frames are bounded by size and mic_queue_s."""
    rate_burst: int = Field(40, ge=1, le=100000)
    """How many messages a client may send at once before rate_per_s applies."""
    audio_in: Literal["microphone", "api"] = "api"
    """Where the driver's voice comes from: 'microphone' (audio.input, the car's or the desk's) or
    'api' (PCM frames over the WebSocket: the browser simulator, or a head unit that owns the mic)."""
    allow_vehicle_write: bool = True
    """Let API clients set vehicle signals (simulation: speed, gear). Switch off in a real car."""
    web: bool = True
    """Serve the simulator page at /."""
    client_queue: int = Field(256, ge=8, le=65536)
    """Messages held per WebSocket client; when a slow client falls this far behind, its oldest
    messages are dropped (counted in /health), never the pipeline slowed."""
    mic_queue_s: float = Field(2.0, gt=0.1, le=30.0)
    """Seconds of API microphone audio held for the pipeline; beyond that the oldest frames are
    dropped and counted (cockpit_audio_frames_dropped_total{where="api-mic"})."""
    stop_timeout_s: float = Field(10.0, ge=0.0, le=120.0)
    """On SIGTERM a turn in progress may finish this long before it is cancelled."""
    log_format: Literal["json", "text"] = "json"
    """Daemon logs on stderr: one JSON object per line (journald, log shippers) or plain text."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for o in origins:
            if not _ORIGIN.match(o):
                raise ValueError(f"{o!r} is not a web origin: write scheme://host[:port] with no path, "
                                 "e.g. 'http://headunit.local:3000'")
        return [o.lower() for o in origins]

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        for h in hosts:
            if not _HOST.match(h):
                raise ValueError(f"{h!r} is not a host name: write a name or address without scheme or port, "
                                 "e.g. 'cockpit.local', '192.168.8.2' or '[fd00::2]'")
        return [h.lower() for h in hosts]

    @model_validator(mode="after")
    def _remote_needs_token(self) -> "ServiceSettings":
        import os
        if self.host not in LOOPBACK and not (self.token or os.environ.get("COCKPIT_API_TOKEN")):
            raise ValueError(f"host {self.host!r} is reachable from other machines: set service.token "
                             "(16+ characters) or $COCKPIT_API_TOKEN, or listen on 127.0.0.1")
        return self
