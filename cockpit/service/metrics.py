"""Prometheus metrics for the daemon, fed by the same bus events the trace and audit log read.

Each ``Metrics`` owns a private ``CollectorRegistry``, so a reload or a test builds a fresh set
without clashing with another's (or the process-global registry). Subscribe ``observe`` to the bus;
the daemon also reports dropped audio frames and serves ``exposition()`` on ``/metrics``.

Series:

- ``cockpit_turn_stage_seconds{stage}`` histogram: one observation per entry of a turn's timings;
- ``cockpit_turns_total{route, outcome}``: the tier that answered and ``ok`` / ``error`` /
  ``interrupted`` (a barge-in wins over the error it may have caused);
- ``cockpit_errors_total{code, kind}``: ``kind`` is the registry's fault | refusal | degraded, so a
  dashboard separates what broke from what cockpit chose not to do (codes outside the registry
  count as ``other``, so labels stay bounded); ``cockpit_barge_ins_total``,
  ``cockpit_audio_frames_dropped_total{where}``;
- ``cockpit_api_refused_total{reason}``: API requests and messages refused (host, origin, token,
  rate, size);
- ``cockpit_state{state}``: 1 for the current turn state, 0 for states seen before;
- ``cockpit_info{version}``: always 1, to join on.
"""
from __future__ import annotations

import importlib.metadata
import logging
import math

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

from cockpit.errors import REGISTRY
from cockpit.events import BargeIn, ErrorRaised, Route, StateChanged, TurnSummary

log = logging.getLogger(__name__)

STAGE_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Histogram bounds from a fast-path lookup (ms) to a slow cloud answer (tens of seconds)."""
OUTCOMES = ("ok", "error", "interrupted")
REFUSALS = ("host", "origin", "token", "rate", "size")


def _version() -> str:
    try:
        return importlib.metadata.version("cockpit")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class Metrics:
    """The daemon's metrics, in their own registry (``self.registry``)."""

    def __init__(self, version: str | None = None) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self._stage_seconds = Histogram("cockpit_turn_stage_seconds", "Time spent per stage of a turn.",
                                        ["stage"], buckets=STAGE_BUCKETS_S, registry=reg)
        self._turns = Counter("cockpit_turns", "Finished turns, by answering tier and outcome.",
                              ["route", "outcome"], registry=reg)
        self._errors = Counter("cockpit_errors", "Errors raised, by stable error code and kind (fault, refusal, "
                               "degraded).", ["code", "kind"], registry=reg)
        self._barge_ins = Counter("cockpit_barge_ins", "Replies cut off by the driver.", registry=reg)
        self._dropped = Counter("cockpit_audio_frames_dropped", "Audio frames dropped by a full queue.",
                                ["where"], registry=reg)
        self._refused = Counter("cockpit_api_refused", "API requests and messages refused, by reason.", ["reason"],
                                registry=reg)
        for reason in REFUSALS:
            self._refused.labels(reason=reason)
        self._state = Gauge("cockpit_state", "1 for the current turn state.", ["state"], registry=reg)
        Info("cockpit", "Build information.", registry=reg).info({"version": version or _version()})
        for route in Route:  # every series exists from the start, so rate() sees the first turn
            for outcome in OUTCOMES:
                self._turns.labels(route=route.value, outcome=outcome)
        self._current_state: str | None = None

    def observe(self, event: object) -> None:
        """Account for one bus event; other events and objects are ignored. Never raises."""
        try:
            match event:
                case TurnSummary():
                    self._turn(event)
                case ErrorRaised(code=code, kind=kind):
                    self._errors.labels(code=code if code in REGISTRY else "other", kind=kind).inc()
                case BargeIn():
                    self._barge_ins.inc()
                case StateChanged(state=state):
                    self.set_state(state)
        except Exception:  # a metric must never break the turn that reported it
            log.warning("metrics: could not observe a %s event", event.type, exc_info=True)  # never its text

    def _turn(self, summary: TurnSummary) -> None:
        outcome = "interrupted" if summary.interrupted else "error" if summary.error else "ok"
        self._turns.labels(route=summary.route.value, outcome=outcome).inc()
        for stage, ms in summary.timings_ms.items():
            seconds = float(ms) / 1000
            if math.isfinite(seconds) and seconds >= 0:
                self._stage_seconds.labels(stage=stage).observe(seconds)

    def dropped_frames(self, n: int, where: str) -> None:
        """``n`` audio frames were dropped at ``where`` (e.g. ``mic-queue``) because a queue was full."""
        if n > 0:
            self._dropped.labels(where=where).inc(n)

    def refused(self, reason: str) -> None:
        """The API refused a request or message (``reason``: one of REFUSALS)."""
        self._refused.labels(reason=reason if reason in REFUSALS else "other").inc()

    def set_state(self, state: str) -> None:
        """Mark ``state`` current (1) and the previous one 0."""
        if self._current_state is not None and self._current_state != state:
            self._state.labels(state=self._current_state).set(0)
        self._state.labels(state=state).set(1)
        self._current_state = state

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition of every series, and its HTTP Content-Type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
