"""The one place cockpit keeps what it knows about the driver: ``session.state_dir``.

Every file cockpit writes there is created 0600 and every directory 0700 — *created* that way
(``os.open`` / ``os.mkdir`` with the mode), never opened wide and narrowed afterwards. The process
umask can only take bits away; if it took the owner's own read/write bits (an odd umask such as
0o277), they are given back with ``fchmod``/``chmod`` on what was just made — which never widens it
past 0600/0700, so there is no moment at which anyone else could read it.

For anything new that keeps driver data (timers, reminders: issue 20), use this module::

    from cockpit.state import StateDir
    state = StateDir.of(settings)
    path = state.path("timers.json")              # <state_dir>/timers.json
    write_private(path, data)                     # atomic, 0600
    with private_file(path, "a") as fh: ...       # append, created 0600
    private_dir(state.path("reminders"))          # 0700

and add a row for it to :data:`cockpit.privacy.inventory.INVENTORY` (the README's "What cockpit
keeps" table and ``cockpit privacy show`` are made from it).
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | Path) -> Path:
    """Make ``path`` and any missing parent directories, each created 0700; returns the path.
    Directories that already exist are left as they are (``cockpit doctor`` reports a wide one)."""
    path = Path(path)
    missing = []
    for p in (path, *path.parents):
        if p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        try:
            os.mkdir(p, DIR_MODE)
        except FileExistsError:
            continue
        if stat.S_IMODE(os.stat(p).st_mode) != DIR_MODE:  # the umask took the owner's own bits: give them back
            os.chmod(p, DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a directory")
    return path


def _own_bits(fd: int) -> None:
    if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:  # only ever narrower than 0600: make it exactly 0600
        os.fchmod(fd, FILE_MODE)


def open_private(path: str | Path, flags: int) -> int:
    """``os.open`` with 0600 for a file this call creates (parent directories made 0700). An existing
    file keeps its mode (``cockpit doctor`` reports a wide one). Returns the descriptor."""
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        if flags & os.O_EXCL:
            raise
        return os.open(path, flags | os.O_CLOEXEC)
    _own_bits(fd)
    return fd


def private_file(path: str | Path, mode: str = "a", encoding: str | None = "utf-8") -> IO[Any]:
    """Open ``path`` like ``open`` (modes ``r+ w a x``, text or ``b``), creating it 0600."""
    base = mode.replace("b", "").replace("t", "")
    flags = {"a": os.O_WRONLY | os.O_APPEND, "w": os.O_WRONLY | os.O_TRUNC, "x": os.O_WRONLY | os.O_EXCL,
             "r+": os.O_RDWR, "a+": os.O_RDWR | os.O_APPEND}.get(base)
    if flags is None:
        raise ValueError(f"private_file: mode {mode!r} must be one of a, w, x, r+, a+ (text or binary)")
    fd = open_private(path, flags)
    return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding)


def write_private(path: str | Path, data: bytes | str) -> Path:
    """Replace ``path`` with ``data`` atomically (a 0600 temporary file, fsync'd, renamed over it):
    a reader sees the old content or the new, never half; the result is 0600 even if the old file was not."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # a leftover of a crash: made afresh, so it is surely 0600
    fd = open_private(tmp, os.O_WRONLY | os.O_EXCL)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def too_wide(path: str | Path) -> bool:
    """True when group or others may read, write or enter ``path``."""
    return bool(stat.S_IMODE(os.stat(path).st_mode) & 0o077)


@dataclass(frozen=True)
class StateDir:
    """Where the driver's data lives: ``session.state_dir`` and the files named relative to it."""

    root: Path

    @classmethod
    def of(cls, settings: Any) -> "StateDir":
        """The state dir of a :class:`cockpit.config.Settings` (relative paths: from the working directory)."""
        return cls(Path(settings.session.state_dir))

    def path(self, name: str | Path) -> Path:
        """``name`` inside the state dir (an absolute ``name`` is used as it is)."""
        return self.root / name

    def make(self) -> Path:
        """Create the state dir (0700) if it is missing; returns it."""
        return private_dir(self.root)


def state_path(settings: Any, name: str | Path) -> Path:
    """``<session.state_dir>/<name>`` (an absolute ``name`` is used as it is)."""
    return StateDir.of(settings).path(name)


def audit_log_path(settings: Any) -> Path:
    """``session.audit_log``, relative to the state dir unless absolute."""
    return state_path(settings, settings.session.audit_log)


def reply_dir_path(settings: Any) -> Path:
    """``audio.output.reply_dir``, relative to the state dir unless absolute."""
    return state_path(settings, settings.audio.output.reply_dir)


__all__ = ["DIR_MODE", "FILE_MODE", "StateDir", "audit_log_path", "open_private", "private_dir", "private_file",
           "reply_dir_path", "state_path", "too_wide", "write_private"]
