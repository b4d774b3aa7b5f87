"""CloudLLM against a REAL OpenAI-compatible server (llama_cpp.server on a tiny Qwen2 GGUF fixture
made by code) behind the fault-injecting proxy: every failure leaves as one CloudError code."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

import openai  # noqa: E402,F401

from cockpit.brain.cloud import CloudError, CloudLLM, CloudSettings, is_garbled  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

from support.fault_proxy import Fault, FaultProxy, refused_port, untrusted_tls_endpoint  # noqa: E402

FIXTURES = ROOT / ".cache" / "fixtures"
MESSAGES = [{"role": "user", "content": "Say hello to the driver."}]
KEY_ENV = "COCKPIT_TEST_CLOUD_KEY"


@pytest.fixture(autouse=True)
def _key_and_pass_through(request, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")
    yield


def _cloud(base_url: str, **over) -> CloudLLM:
    opts = dict(base_url=base_url, model="fixture", api_key_env=KEY_ENV, connect_timeout_s=5.0,
                first_token_timeout_s=10.0, total_timeout_s=30.0, max_tokens=24, temperature=0.0)
    cloud = CloudLLM(CloudSettings(**(opts | over)))
    cloud.prepare()
    return cloud


def _raises(cloud: CloudLLM, code: str, got: list[str] | None = None, **kw) -> CloudError:
    got = [] if got is None else got
    with pytest.raises(CloudError) as info:
        for delta in cloud.stream_chat(MESSAGES, **kw):
            got.append(delta)
    assert info.value.code == code, str(info.value)
    return info.value


def test_pass_through_streams_text(proxy):
    deltas = list(_cloud(proxy.url).stream_chat(MESSAGES))
    assert deltas and all(isinstance(d, str) and d for d in deltas)
    assert not is_garbled("".join(deltas))
    assert proxy.faults[-1] is Fault.PASS


def test_astream_steps_on_its_own_thread(proxy):
    cloud = _cloud(proxy.url)
    steps: list[str] = []
    real = cloud.stream_chat

    def spy(*args, **kwargs):
        for delta in real(*args, **kwargs):
            steps.append(threading.current_thread().name)  # where the blocking HTTP read ran
            yield delta

    cloud.stream_chat = spy

    async def collect():
        return [d async for d in cloud.astream(MESSAGES, max_tokens=8)], threading.current_thread().name

    deltas, loop_thread = asyncio.run(collect())
    assert deltas and len(steps) == len(deltas)
    assert all(name.startswith("cockpit-cloud") for name in steps) and loop_thread not in steps


def test_delay_beyond_first_token_deadline_times_out_early(proxy):
    """The deadline ends the wait; it is not a verdict on a late answer. The proxy holds the answer
    back for 40x the deadline (it stops as soon as the client gives up, so this costs nothing)."""
    deadline, delay = 0.5, 20.0
    cloud = _cloud(proxy.url, first_token_timeout_s=deadline)
    proxy.set_mode(Fault.DELAY, seconds=delay)
    t0 = time.monotonic()
    err = _raises(cloud, "cloud-timeout")
    waited = time.monotonic() - t0
    assert "first-token" in str(err)
    assert 0.9 * deadline <= waited < delay / 2, waited  # measured against the two waits, 20x margin


def test_reset_mid_stream_is_unavailable_after_some_deltas(proxy):
    proxy.set_mode(Fault.RESET, after_bytes=700)
    got: list[str] = []
    err = _raises(_cloud(proxy.url), "cloud-unavailable", got, max_tokens=48)
    assert got, "the reset should come after the first deltas"
    assert "mid-stream" in str(err)


def test_garbage_bytes_are_garbled(proxy):
    proxy.set_mode(Fault.GARBAGE, after_bytes=700)
    _raises(_cloud(proxy.url), "cloud-garbled", max_tokens=48)


@pytest.mark.parametrize("status, code", [(429, "cloud-rate-limited"), (500, "cloud-unavailable"),
                                          (503, "cloud-unavailable")])
def test_http_status(proxy, status, code):
    proxy.set_mode(Fault.STATUS, status=status, times=1)
    cloud = _cloud(proxy.url)
    err = _raises(cloud, code)
    assert proxy.requests and proxy.faults[-1] is Fault.STATUS  # one request: no retries
    after = list(cloud.stream_chat(MESSAGES, max_tokens=4))  # one-shot fault, then fine
    assert after and all(isinstance(d, str) and d for d in after) and proxy.faults[-1] is Fault.PASS
    if status != 429:
        assert str(status) in str(err)


def test_no_retries(proxy):
    before = proxy.requests
    proxy.set_mode(Fault.STATUS, status=500)
    _raises(_cloud(proxy.url), "cloud-unavailable")
    assert proxy.requests - before == 1


def test_closed_connection_is_unavailable(proxy):
    proxy.set_mode(Fault.CLOSE)
    _raises(_cloud(proxy.url), "cloud-unavailable")


def test_refused_port_is_unavailable():
    _raises(_cloud(f"http://127.0.0.1:{refused_port()}/v1"), "cloud-unavailable")


def test_untrusted_tls_is_unavailable(tmp_path):
    endpoint = untrusted_tls_endpoint(tmp_path)
    try:
        err = _raises(_cloud(endpoint.url), "cloud-unavailable")
        assert "TLS" in str(err)
    finally:
        endpoint.stop()


def test_missing_key_variable(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    cloud = CloudLLM(CloudSettings(base_url="http://127.0.0.1:1/v1", api_key_env=KEY_ENV))
    with pytest.raises(CloudError) as info:
        cloud.prepare()
    assert info.value.code == "cloud-no-key" and KEY_ENV in str(info.value)


def test_probe(proxy):
    assert _cloud(proxy.url).probe() is True
    assert _cloud(f"http://127.0.0.1:{refused_port()}/v1", connect_timeout_s=1.0).probe() is False


# -- the delta logic on hand-made chunks (tool calls: the fixture server never sends them) ----------

def _chunk(content=None, tool_calls=None):
    return NS(choices=[NS(delta=NS(content=content, tool_calls=tool_calls))])


def _tc(index, name=None, args=None):
    return NS(index=index, function=NS(name=name, arguments=args))


def _run(chunks, **over) -> list[str]:
    cloud = CloudLLM(CloudSettings(api_key_env=KEY_ENV, **over))
    return list(cloud._deltas(iter(chunks), time.monotonic(), {"content": False}))


def test_tool_call_deltas_become_hermes_text():
    out = _run([_chunk("Sure"), _chunk(tool_calls=[_tc(0, "set_", '{"temp')]),
                _chunk(tool_calls=[_tc(0, "temperature", 'erature": 21}')]),
                _chunk(tool_calls=[_tc(1, "open_window", "")])])
    assert out == ["Sure", '<tool_call>{"name": "set_temperature", "arguments": {"temperature": 21}}</tool_call>',
                   '<tool_call>{"name": "open_window", "arguments": {}}</tool_call>']


def test_text_without_letters_is_held_then_judged():
    assert _run([_chunk("4"), _chunk("2")]) == ["42"]
    assert _run([_chunk("12"), _chunk(" km, ok")]) == ["12 km, ok"]
    with pytest.raises(CloudError, match="garbled") as info:
        _run([_chunk("#$%^&*()"), _chunk("!@#$%^&")])
    assert info.value.code == "cloud-garbled"


@pytest.mark.parametrize("chunks", [[], [_chunk("")], [_chunk("hi"), _chunk("\x1b[2J")],
                                    [_chunk(tool_calls=[_tc(0, "x", "{broken")])]])
def test_wordless_or_broken_streams_are_garbled(chunks):
    with pytest.raises(CloudError) as info:
        _run(chunks)
    assert info.value.code == "cloud-garbled"


def test_is_garbled():
    assert not is_garbled("Turning the heat up to 21 degrees.\n\tOK")
    assert not is_garbled("把温度调到二十一度") and not is_garbled("42")
    assert is_garbled("bad \x07 bell") and is_garbled("bad \ufffd char") and is_garbled("1234 5678 9012")
