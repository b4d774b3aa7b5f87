"""Cloud-tier failure modes, made real: the openai SDK against llama.cpp's OpenAI-compatible
server (a Qwen2 GGUF fixture made by code) through a fault-injecting proxy.

Each case pins the exception the SDK raises for one failure, which is what the cloud brain's
fallback has to catch: timeout, mid-stream reset, garbage bytes, 429, 500, refused port,
closed connection, untrusted TLS certificate.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import openai  # noqa: E402
try:  # the HTTP library under this openai SDK (httpx, or httpx2 in newer releases)
    import httpx2 as httpx
except ImportError:
    import httpx

ROOT = Path(__file__).resolve().parents[2]

from support.fault_proxy import Fault, FaultProxy, refused_port, untrusted_tls_endpoint  # noqa: E402

FIXTURES = ROOT / ".cache" / "fixtures"
MESSAGES = [{"role": "user", "content": "Say hello to the driver."}]


def _client(base_url: str, timeout: float = 30.0):
    return openai.OpenAI(base_url=base_url, api_key="x", timeout=timeout, max_retries=0)


def _stream(client, max_tokens: int = 24):
    return client.chat.completions.create(model="fixture", messages=MESSAGES, stream=True,
                                          max_tokens=max_tokens, temperature=0.0)


def test_pass_through_streams_tokens(proxy):
    chunks = list(_stream(_client(proxy.url)))
    assert len(chunks) > 2
    assert any(c.choices and c.choices[0].delta.content for c in chunks)
    assert chunks[-1].choices[0].finish_reason in ("length", "stop")
    assert proxy.faults[-1] is Fault.PASS


def test_delay_beyond_client_timeout_raises_timeout(proxy):
    """The client gives up at its timeout, long before the delayed answer (the proxy holds it back
    for 40x the timeout and stops as soon as the client has gone, so this costs nothing)."""
    timeout, delay = 0.5, 20.0
    client = _client(proxy.url, timeout=timeout)
    proxy.set_mode(Fault.DELAY, seconds=delay)
    t0 = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        list(_stream(client))
    waited = time.monotonic() - t0
    assert 0.9 * timeout <= waited < delay / 2, waited  # measured against the two waits, 20x margin


def test_reset_mid_stream_raises_after_some_chunks(proxy):
    proxy.set_mode(Fault.RESET, after_bytes=700)
    got = []
    with pytest.raises((openai.APIError, httpx.TransportError)):
        for chunk in _stream(_client(proxy.url), max_tokens=48):
            got.append(chunk)
    assert len(got) >= 1  # the failure happened mid-stream, not before the first byte


def test_garbage_bytes_fail_decoding(proxy):
    proxy.set_mode(Fault.GARBAGE, after_bytes=700)
    got = []
    with pytest.raises(ValueError):  # UnicodeDecodeError / JSONDecodeError
        for chunk in _stream(_client(proxy.url), max_tokens=48):
            got.append(chunk)
    assert len(got) >= 1


@pytest.mark.parametrize("status, error", [(429, "RateLimitError"), (500, "InternalServerError")])
def test_status_answered_by_proxy(proxy, status, error):
    proxy.set_mode(Fault.STATUS, status=status, times=1)
    with pytest.raises(getattr(openai, error)) as info:
        list(_stream(_client(proxy.url)))
    assert info.value.status_code == status
    assert len(list(_stream(_client(proxy.url), max_tokens=4))) > 1  # one-shot: then pass-through


def test_close_immediately_raises_connection_error(proxy):
    proxy.set_mode(Fault.CLOSE)
    with pytest.raises(openai.APIConnectionError):
        list(_stream(_client(proxy.url)))


def test_refused_port_raises_connection_error():
    with pytest.raises(openai.APIConnectionError):
        list(_stream(_client(f"http://127.0.0.1:{refused_port()}/v1", timeout=5)))


def test_untrusted_tls_certificate_is_rejected(tmp_path):
    endpoint = untrusted_tls_endpoint(tmp_path)
    try:
        with pytest.raises(openai.APIConnectionError) as info:
            list(_stream(_client(endpoint.url, timeout=5)))
        chain, e = [], info.value
        while e is not None:
            chain.append(repr(e))
            e = e.__cause__ or e.__context__
        assert "CERTIFICATE_VERIFY_FAILED" in " ".join(chain)
    finally:
        endpoint.stop()


def test_request_budget_is_bounded():
    """No upstream listening: 502; past ``max_requests`` the proxy answers 503 without forwarding."""
    with FaultProxy(("127.0.0.1", refused_port()), max_requests=1) as p:
        client = _client(p.url, timeout=5)
        codes = []
        for _ in range(2):
            with pytest.raises(openai.InternalServerError) as info:
                list(_stream(client))
            codes.append(info.value.status_code)
        assert codes == [502, 503] and p.requests == 2
