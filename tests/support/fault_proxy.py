"""A fault-injecting HTTP proxy for tests, in front of a real OpenAI-compatible server.

    proxy = FaultProxy(("127.0.0.1", server_port)).start()
    client = openai.OpenAI(base_url=proxy.url, api_key="x", max_retries=0)
    proxy.set_mode(Fault.RESET, after_bytes=200)     # every following request, until changed
    proxy.set_mode(Fault.STATUS, status=429, times=1)  # just the next one, then pass-through
    proxy.stop()

One request per connection (the proxy answers ``Connection: close``), so a fault is per request.
Chunked responses are de-framed and re-framed, so ``after_bytes`` counts body bytes (the SSE
text) and garbage lands inside well-formed chunks. Runs its own event loop in a daemon thread,
binds only 127.0.0.1, and stops answering (503) after ``max_requests``.
"""
from __future__ import annotations

import asyncio
import enum
import json
import shutil
import socket
import ssl
import struct
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
GARBAGE = b"\xff\xfe\x00\x1b\x80\xc3\x28\x07\xf5\x7f"
"""Invalid UTF-8 and control characters."""


class Fault(enum.Enum):
    PASS = "pass"          # forward untouched
    DELAY = "delay"        # sleep `seconds` before forwarding (no byte reaches the client)
    RESET = "reset"        # send `after_bytes` of the body, then reset the connection (RST)
    GARBAGE = "garbage"    # body bytes after `after_bytes` replaced with GARBAGE
    STATUS = "status"      # answer `status` (429, 500, ...) with an OpenAI-style error body
    CLOSE = "close"        # close the connection as soon as it is accepted


@dataclass(frozen=True)
class Mode:
    fault: Fault = Fault.PASS
    seconds: float = 0.0
    after_bytes: int = 0
    status: int = 500


class FaultProxy:
    def __init__(self, upstream: tuple[str, int] | None, *, max_requests: int = 200,
                 tls: tuple[Path, Path] | None = None):
        """``upstream`` None answers 502 (useful for the TLS endpoint); ``tls`` = (cert, key)."""
        self.upstream = upstream
        self.max_requests = max_requests
        self.requests = 0
        self.bodies: list[bytes] = []
        """Every request body received, in order: what left the car."""
        self.faults: list[Fault] = []  # the fault applied to each request, in order
        self.errors: list[str] = []
        self._tls = tls
        self._mode, self._times = Mode(), None
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://{HOST}:{self.port}/v1"

    def set_mode(self, fault: Fault = Fault.PASS, *, seconds: float = 0.0, after_bytes: int = 0,
                 status: int = 500, times: int | None = None) -> None:
        """Apply ``fault`` to the next ``times`` requests (None: until changed)."""
        with self._lock:
            self._mode, self._times = Mode(fault, seconds, after_bytes, status), times

    def _next_mode(self) -> tuple[int, Mode]:
        with self._lock:
            n, mode = self.requests, self._mode
            self.requests += 1
            if self._times is not None:
                self._times -= 1
                if self._times <= 0:
                    self._mode, self._times = Mode(), None
            self.faults.append(mode.fault)
            return n, mode

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "FaultProxy":
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(lambda _loop, ctx: self.errors.append(str(ctx.get("message"))))
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        ctx = None
        if self._tls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(self._tls[0]), str(self._tls[1]))
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._accept, HOST, 0, ssl=ctx), self._loop)
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._loop is None:
            return

        async def close() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._loop = None

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- one connection = one request -----------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        upstream_writer = None
        try:
            n, mode = self._next_mode()
            if mode.fault is Fault.CLOSE:
                return  # FIN before any byte is read or written
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            headers = _headers(head)
            body = await reader.readexactly(int(headers.get("content-length", 0)))
            self.bodies.append(body)
            if n >= self.max_requests:
                return await _answer(writer, 503, "fault proxy: request budget exhausted")
            if mode.fault is Fault.STATUS:
                return await _answer(writer, mode.status, f"fault proxy: injected {mode.status}")
            if mode.fault is Fault.DELAY:
                try:  # wait, but stop early if the client gives up (EOF): don't load the server
                    await asyncio.wait_for(reader.read(1), mode.seconds)
                    return
                except asyncio.TimeoutError:
                    pass
            if self.upstream is None:
                return await _answer(writer, 502, "fault proxy: no upstream")
            try:
                up_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
            except OSError as e:
                return await _answer(writer, 502, f"fault proxy: upstream unreachable ({e})")
            upstream_writer.write(_with_close(head) + body)
            await upstream_writer.drain()
            await self._relay(up_reader, writer, mode)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                asyncio.TimeoutError, ssl.SSLError) as e:
            self.errors.append(repr(e))
        finally:
            self._tasks.discard(task)
            for w in (upstream_writer, writer):
                if w is not None and not w.is_closing():
                    w.close()

    async def _relay(self, up: asyncio.StreamReader, writer: asyncio.StreamWriter, mode: Mode) -> None:
        head = await up.readuntil(b"\r\n\r\n")
        headers = _headers(head)
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        writer.write(_with_close(head))
        sent = 0
        async for piece in _body(up, headers, chunked):
            if mode.fault is Fault.RESET and sent + len(piece) >= mode.after_bytes:
                piece = piece[: mode.after_bytes - sent]
                if piece:
                    writer.write(_frame(piece, chunked))
                await writer.drain()
                await asyncio.sleep(0.05)  # let the kernel deliver it before the RST
                return _reset(writer)
            if mode.fault is Fault.GARBAGE and sent + len(piece) > mode.after_bytes:
                keep = max(0, mode.after_bytes - sent)
                junk = (GARBAGE * (len(piece) // len(GARBAGE) + 1))[: len(piece) - keep]
                piece = piece[:keep] + junk
            sent += len(piece)
            writer.write(_frame(piece, chunked))
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()


async def _body(up: asyncio.StreamReader, headers: dict[str, str], chunked: bool):
    """The decoded response body, piece by piece, as it arrives."""
    if chunked:
        while True:
            size = int((await up.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await up.readuntil(b"\r\n")  # no trailers from the servers we proxy
                return
            data = await up.readexactly(size)
            await up.readexactly(2)
            yield data
    elif "content-length" in headers:
        left = int(headers["content-length"])
        while left > 0:
            data = await up.read(min(left, 65536))
            if not data:
                return
            left -= len(data)
            yield data
    else:
        while data := await up.read(65536):
            yield data


def _frame(piece: bytes, chunked: bool) -> bytes:
    return b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if ":" in line)}


def _with_close(head: bytes) -> bytes:
    """The same HTTP head with ``Connection: close`` (one request per connection)."""
    lines = [line for line in head.split(b"\r\n")
             if line and not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join(lines + [b"Connection: close", b"", b""])


async def _answer(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    kind = {429: "rate_limit_error", 503: "service_unavailable"}.get(status, "server_error")
    body = json.dumps({"error": {"message": message, "type": kind, "param": None, "code": None}}).encode()
    reason = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
              503: "Service Unavailable"}.get(status, "Error")
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\nRetry-After: 0\r\nConnection: close\r\n\r\n".encode() + body)
    await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0), not FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


def refused_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """(cert.pem, key.pem) for 127.0.0.1, self-signed: no client trusts it."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        _cert_with_cryptography(cert, key)
    except ImportError:
        if shutil.which("openssl") is None:
            raise RuntimeError("neither the cryptography package nor the openssl CLI is available")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=30)
    return cert, key


def _cert_with_cryptography(cert: Path, key: Path) -> None:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
                                  critical=False)
                   .sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))


def untrusted_tls_endpoint(directory: Path) -> FaultProxy:
    """A started HTTPS endpoint on 127.0.0.1 with a self-signed certificate (stop() it)."""
    return FaultProxy(None, tls=self_signed_cert(directory)).start()
