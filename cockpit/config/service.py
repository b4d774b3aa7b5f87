"""The daemon (`cockpit run`) and its HMI API."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cockpit.config.base import Section

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class ServiceSettings(Section):
    host: str = "127.0.0.1"
    """Where the HTTP/WebSocket API listens. Any address other than loopback needs a token."""
    port: int = Field(8765, ge=0, le=65535)
    """TCP port of the API and the simulator page (0 = any free port, logged at start)."""
    token: str | None = Field(None, min_length=16)
    """Bearer token the API requires (header `Authorization: Bearer ...` or `?token=`); also read from
    $COCKPIT_API_TOKEN. Required when `host` is not loopback."""
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

    @model_validator(mode="after")
    def _remote_needs_token(self) -> "ServiceSettings":
        import os
        if self.host not in LOOPBACK and not (self.token or os.environ.get("COCKPIT_API_TOKEN")):
            raise ValueError(f"host {self.host!r} is reachable from other machines: set service.token "
                             "(16+ characters) or $COCKPIT_API_TOKEN, or listen on 127.0.0.1")
        return self
