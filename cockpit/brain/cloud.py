"""The cloud brain tier: an OpenAI-compatible endpoint (DashScope, vLLM, llama.cpp server) through
the openai SDK, streamed, under three deadlines and with NO retries (the caller falls back to the
local tier and the circuit breaker decides when to try again).

Every failure leaves as one :class:`CloudError` with a stable code: ``cloud-timeout`` (connect,
first-token or total deadline, named in the message), ``cloud-unavailable`` (refused, reset, TLS,
5xx), ``cloud-rate-limited`` (429), ``cloud-garbled`` (undecodable or wordless output) and
``cloud-no-key``. Tool calls the server sends as OpenAI ``tool_calls`` are turned into Hermes
``<tool_call>{...}</tool_call>`` text, so one parser (brain/toolcall.py) serves every tier.
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import ssl
import time
import unicodedata
from typing import Any, AsyncIterator, Iterator


from cockpit.config import CloudSettings
from cockpit.errors import CockpitError
from cockpit.worker import EngineThread

try:  # the openai SDK's HTTP library: httpx2 in newer releases, httpx before
    http = importlib.import_module("httpx2")
except ImportError:  # pragma: no cover - older SDKs
    http = importlib.import_module("httpx")

GARBLED_MIN_CHARS = 12
"""Text this long with no letter at all is not speech."""


class CloudError(CockpitError):
    """The cloud tier failed this turn; ``code`` says how. The caller falls back to local."""

    code = "cloud-unavailable"


def is_garbled(text: str) -> bool:
    """True for text no one should hear: control characters (other than newline and tab), U+FFFD
    replacement characters, or ``GARBLED_MIN_CHARS`` or more characters without a single letter."""
    return _bad_chars(text) or (len(text.strip()) >= GARBLED_MIN_CHARS and not any(c.isalpha() for c in text))


def _bad_chars(text: str) -> bool:
    return any(ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t") for ch in text)


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    while exc is not None and exc not in out:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


class CloudLLM:
    """One cloud endpoint. ``prepare`` first; then ``stream_chat`` (blocking) or ``astream``."""

    supports_grammar = False
    """An OpenAI-compatible endpoint takes no GBNF grammar."""
    supports_prefill = False
    """Nothing is evaluated ahead: ``warm`` and ``prefill_soon`` do nothing."""

    def __init__(self, settings: CloudSettings | None = None):
        self.settings = settings or CloudSettings()
        self.client: Any = None
        self._thread = EngineThread("cloud")

    def _key(self) -> str:
        name = self.settings.api_key_env
        key = os.environ.get(name, "").strip()
        if not key:
            raise CloudError(f"the cloud API key variable {name} is not set", code="cloud-no-key",
                             hint=f"export {name}=<your key> (or choose another variable in cloud.api_key_env)")
        return key

    def prepare(self) -> None:
        """Build the client (no network). CloudError 'cloud-no-key' when the key variable is unset."""
        import openai

        s = self.settings
        kwargs: dict[str, Any] = {}
        if not s.verify_tls:
            kwargs["http_client"] = openai.DefaultHttpxClient(verify=False)
        self.client = openai.OpenAI(base_url=s.base_url, api_key=self._key(), max_retries=0,
                                    timeout=self._timeout(s.first_token_timeout_s), **kwargs)

    def _timeout(self, read: float) -> Any:
        c = self.settings.connect_timeout_s
        return http.Timeout(connect=c, read=read, write=max(c, read), pool=c)

    def _ready(self) -> Any:
        if self.client is None:
            self.prepare()
        return self.client

    def probe(self) -> bool:
        """Is the endpoint reachable and answering? A cheap ``GET /models``; never raises for
        network trouble (a missing key still raises 'cloud-no-key': that is configuration)."""
        import openai

        client = self._ready()
        try:
            client.with_options(timeout=self._timeout(self.settings.connect_timeout_s)).models.list()
            return True
        except (openai.OpenAIError, http.HTTPError, OSError, ValueError):
            return False

    def stream_chat(self, messages: list[dict], tools: list[dict] | None = None, *,
                    max_tokens: int | None = None) -> Iterator[str]:
        """Text deltas of the answer (blocking), tool calls as Hermes text at the end. Raises CloudError."""
        import openai

        s, client, t0 = self.settings, self._ready(), time.monotonic()
        state, stream = {"content": False}, None
        read = min(s.first_token_timeout_s, s.total_timeout_s)
        try:
            kwargs: dict[str, Any] = {"tools": tools} if tools else {}
            stream = client.chat.completions.create(
                model=s.model, messages=messages, stream=True, max_tokens=max_tokens or s.max_tokens,
                temperature=s.temperature, timeout=self._timeout(read), **kwargs)
            yield from self._deltas(stream, t0, state)
        except (openai.OpenAIError, http.HTTPError, OSError, ValueError) as exc:
            raise self._classify(exc, t0, state["content"]) from exc
        finally:
            if stream is not None:
                with contextlib.suppress(Exception):  # closing a reset connection may fail again
                    stream.close()

    def _deltas(self, stream: Any, t0: float, state: dict) -> Iterator[str]:
        s, held, spoke = self.settings, "", False  # held: text kept back until it shows a letter
        calls: dict[int, dict[str, str]] = {}
        for chunk in stream:
            elapsed = time.monotonic() - t0
            for choice in chunk.choices or ():
                delta = choice.delta
                if delta is None:
                    continue
                for tc in delta.tool_calls or ():
                    state["content"] = True
                    call = calls.setdefault(tc.index or 0, {"name": "", "arguments": ""})
                    if tc.function is not None:
                        call["name"] += tc.function.name or ""
                        call["arguments"] += tc.function.arguments or ""
                text = delta.content or ""
                if not text:
                    continue
                state["content"] = True
                if _bad_chars(text) if spoke else is_garbled(held + text):
                    raise CloudError(f"the cloud model sent garbled text: {(held + text)[:40]!r}",
                                     code="cloud-garbled")
                if spoke:
                    yield text
                elif any(ch.isalpha() for ch in held + text):
                    spoke, text, held = True, held + text, ""
                    yield text
                else:
                    held += text
            if not state["content"] and elapsed > s.first_token_timeout_s:
                raise self._timeout_error("first-token", s.first_token_timeout_s)
            if elapsed > s.total_timeout_s:
                raise self._timeout_error("total", s.total_timeout_s)
        if held:
            yield held
        for call in (calls[i] for i in sorted(calls)):
            try:
                args = json.loads(call["arguments"] or "{}")
            except ValueError:
                raise CloudError(f"the cloud model sent broken tool-call arguments: {call['arguments'][:60]!r}",
                                 code="cloud-garbled") from None
            yield "<tool_call>" + json.dumps({"name": call["name"], "arguments": args}, ensure_ascii=False) + "</tool_call>"
        if not (held or spoke or calls):
            raise CloudError("the cloud model's answer had no words", code="cloud-garbled")

    def _timeout_error(self, which: str, seconds: float) -> CloudError:
        return CloudError(f"cloud {which} deadline of {seconds:g} s passed ({self.settings.base_url})",
                          code="cloud-timeout", hint="the turn falls back to the local model")

    def _classify(self, exc: Exception, t0: float, had_content: bool) -> CloudError:
        import openai

        s, chain = self.settings, _chain(exc)
        where = s.base_url
        if isinstance(exc, openai.RateLimitError):
            return CloudError(f"cloud endpoint {where} is rate limiting (429)", code="cloud-rate-limited",
                              hint="wait, or raise the account's quota")
        if isinstance(exc, openai.APIStatusError):
            hint = f"check the key in {s.api_key_env}" if exc.status_code in (401, 403) else ""
            return CloudError(f"cloud endpoint {where} answered HTTP {exc.status_code}", hint=hint)
        if any(isinstance(e, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in repr(e) for e in chain):
            return CloudError(f"TLS failed for {where}: {chain[-1]!r:.120}", code="cloud-unavailable",
                              hint="is the endpoint's certificate trusted by this system?")
        undecodable = (ValueError, http.DecodingError, getattr(http, "SSEError", ValueError))  # UTF-8/JSON/SSE
        if any(isinstance(e, undecodable) for e in chain) or isinstance(exc, openai.APIResponseValidationError):
            return CloudError(f"cloud endpoint {where} sent an undecodable stream: {chain[-1]!r:.120}",
                              code="cloud-garbled")
        if any(isinstance(e, http.TimeoutException) for e in chain):
            if any(isinstance(e, http.ConnectTimeout) for e in chain):
                return self._timeout_error("connect", s.connect_timeout_s)
            if not had_content:
                return self._timeout_error("first-token", s.first_token_timeout_s)
            if time.monotonic() - t0 >= s.total_timeout_s:
                return self._timeout_error("total", s.total_timeout_s)
            return CloudError(f"cloud stream from {where} stalled (no data for {s.first_token_timeout_s:g} s)",
                              code="cloud-timeout")
        stage = "mid-stream" if had_content else "before answering"
        return CloudError(f"cloud endpoint {where} unreachable or dropped {stage}: {chain[-1]!r:.120}",
                          code="cloud-unavailable")

    async def astream(self, messages: list[dict], tools: list[dict] | None = None, *,
                      max_tokens: int | None = None) -> AsyncIterator[str]:
        """``stream_chat`` stepped on the cloud tier's own thread; the event loop only awaits."""
        end = object()
        it = self.stream_chat(messages, tools, max_tokens=max_tokens)
        try:
            while (delta := await self._thread.run(next, it, end)) is not end:
                yield delta
        finally:
            self._thread.submit(it.close)  # queued behind any step in flight; closes the HTTP stream

    def warm(self, prefix_messages: list[dict], tools: list[dict] | None = None) -> float:
        """Nothing to warm on a remote server (``supports_prefill`` is False)."""
        return 0.0

    def fits_static(self, prefix_messages: list[dict], tools: list[dict] | None = None) -> bool:
        """The server's context window is not known here; nothing static is added for a cloud model."""
        return True

    def prefill_soon(self, messages: list[dict], tools: list[dict] | None, upto: str) -> None:
        """Nothing to evaluate ahead on a remote server (``supports_prefill`` is False)."""
        return None

    def close(self) -> None:
        self._thread.close()
        if self.client is not None:
            self.client.close()
            self.client = None
