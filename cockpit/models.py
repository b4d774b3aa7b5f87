"""The model catalog (models/catalog.yaml) and `cockpit models pull`.

A catalog entry names a Hugging Face repository and the files to fetch from it. Files land flat
in ``models_dir()/<name>/`` under their base names, so copying them there by hand is the same as
pulling. A file whose sha256 the catalog knows is checked after download; a mismatch deletes it.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from cockpit.errors import CockpitError

REPO_ROOT = Path(__file__).resolve().parents[1]
CATALOG_PATH = REPO_ROOT / "models" / "catalog.yaml"
HUB = "https://huggingface.co"


class ModelFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, regex_engine="python-re")

    path: str = Field(pattern=r"^(?!/)(?!(.*/)?\.\.(/|$)).+$")
    """Path of the file inside the repository (relative, no '..')."""
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    """Lower-case hex SHA-256; null when not confirmed (the file is then not checked)."""

    @property
    def local_name(self) -> str:
        """The file's name inside models/<entry name>/."""
        return PurePosixPath(self.path).name


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    """Folder name under the models directory and the argument of `cockpit models pull`."""
    kind: Literal["llm", "asr", "tts"]
    repo: str = Field(pattern=r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
    """Hugging Face repository id, owner/name."""
    revision: str = "main"
    """Branch, tag or commit to download from."""
    files: tuple[ModelFile, ...] = Field(min_length=1)
    size_bytes: int = Field(gt=0)
    """Approximate total download size, for messages only."""
    licence: str = Field(min_length=1)
    description: str = Field(min_length=1)

    @model_validator(mode="after")
    def _flat_names_distinct(self) -> ModelEntry:  # files land flat in models/<name>/
        if len({f.local_name for f in self.files}) != len(self.files):
            raise ValueError("two files share a base name")
        return self


@dataclass(frozen=True)
class Catalog:
    """The validated entries of one catalog file."""

    entries: tuple[ModelEntry, ...]
    source: str = "<memory>"

    @classmethod
    def load(cls, path: Path | str | None = None) -> Catalog:
        """Read and validate a catalog file; every problem is reported with the entry it is in."""
        path = Path(path) if path is not None else CATALOG_PATH
        fix = f"correct {path} (fields: name, kind, repo, revision, files, size_bytes, licence, description)"
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CockpitError(f"cannot read the model catalog {path}: {exc}", code="model-catalog",
                               hint=fix) from exc
        items = raw.get("models") if isinstance(raw, dict) else None
        if not isinstance(items, list):
            raise CockpitError(f"{path}: expected a top-level 'models:' list", code="model-catalog", hint=fix)
        entries: list[ModelEntry] = []
        problems: list[str] = []
        for index, item in enumerate(items, start=1):
            label = f"entry #{index}"
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                label = f"entry '{item['name']}' (#{index})"
            try:
                entries.append(ModelEntry.model_validate(item))
            except ValidationError as exc:
                for err in exc.errors():
                    where = ".".join(str(p) for p in err["loc"]) or "(entry)"
                    problems.append(f"{label}: {where}: {err['msg']}")
        names = [e.name for e in entries]
        problems += [f"entry '{n}': the name is used twice" for n in sorted(set(names)) if names.count(n) > 1]
        if problems:
            raise CockpitError(f"{path}: invalid model catalog\n  " + "\n  ".join(problems),
                               code="model-catalog", hint=fix)
        return cls(entries=tuple(entries), source=str(path))

    def get(self, name: str) -> ModelEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise CockpitError(f"no model named {name!r} in {self.source}", code="model-unknown",
                           hint="known models: " + ", ".join(self.names()))

    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.entries)


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


def verify(entry: ModelEntry) -> None:
    """Every file is present and matches its known sha256 (slow: reads them all); a bad file is deleted."""
    require(entry.name, catalog=Catalog((entry,)))
    for spec, path in zip(entry.files, local_files(entry)):
        _check_sha256(path, spec, entry)


def pull(name: str, *, progress: bool = True, catalog: Catalog | None = None) -> Path:
    """Download a model into models_dir()/<name>/, keeping good files already there. CockpitError
    'model-download' when the hub is unreachable or refuses, 'model-checksum' on a bad file."""
    entry = (catalog or Catalog.load()).get(name)
    dest = local_path(entry)
    todo: list[ModelFile] = []
    for spec, path in zip(entry.files, local_files(entry)):
        if path.is_file() and (spec.sha256 is None or sha256_of(path) == spec.sha256):
            continue
        path.unlink(missing_ok=True)  # absent or corrupt: fetch it again
        todo.append(spec)
    if not todo:
        return dest
    endpoint = (os.environ.get("HF_ENDPOINT") or HUB).strip().rstrip("/")
    raw_timeout = os.environ.get("HF_HUB_ETAG_TIMEOUT", "").strip()
    timeout = float(raw_timeout) if raw_timeout.replace(".", "", 1).isdigit() else 10.0
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        raise _download_error(entry, todo, endpoint, "HF_HUB_OFFLINE is set, so nothing is downloaded")
    if importlib.util.find_spec("huggingface_hub") is None:
        raise CockpitError("huggingface_hub is not installed, so models cannot be pulled",
                           code="model-download", hint="pip install huggingface_hub")
    _probe(entry, todo, endpoint, timeout)
    staging = dest / ".download"
    dest.mkdir(parents=True, exist_ok=True)
    for spec in todo:
        fetched = _fetch(entry, spec, staging, endpoint, timeout, progress)
        _check_sha256(fetched, spec, entry)
        os.replace(fetched, dest / spec.local_name)
    shutil.rmtree(staging, ignore_errors=True)
    return dest


def _fetch(entry: ModelEntry, spec: ModelFile, staging: Path, endpoint: str, timeout: float,
           progress: bool) -> Path:
    from huggingface_hub import errors as hub_errors
    from huggingface_hub import hf_hub_download

    options: dict = {}
    if not progress:
        from tqdm import tqdm

        class QuietBar(tqdm):  # a plain tqdm subclass: the hub passes it no `disable` of its own
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **{**kwargs, "disable": True})

        options["tqdm_class"] = QuietBar
    try:
        got = hf_hub_download(entry.repo, spec.path, revision=entry.revision, local_dir=staging,
                              endpoint=endpoint, etag_timeout=timeout, **options)
    except Exception as exc:  # unreachable, 404 (catalog out of date?), HTTP, proxy, disk: one way out
        unreachable = isinstance(exc, hub_errors.LocalEntryNotFoundError)
        why = "cannot reach the hub" if unreachable else f"{type(exc).__name__} for {spec.path}"
        raise _download_error(entry, [spec], endpoint, f"{why}: {exc}") from exc
    return Path(got)


def _probe(entry: ModelEntry, todo: list[ModelFile], endpoint: str, timeout: float) -> None:
    """Fail in seconds when the hub is unreachable, instead of after the hub client's retries."""
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint + "/", method="HEAD"), timeout=timeout).close()
    except urllib.error.HTTPError:
        return  # the server answered: reachable
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _download_error(entry, todo, endpoint, f"cannot reach {endpoint}: {reason}") from exc


def _check_sha256(path: Path, spec: ModelFile, entry: ModelEntry) -> None:
    if spec.sha256 is not None and (actual := sha256_of(path)) != spec.sha256:
        path.unlink(missing_ok=True)
        raise CockpitError(
            f"checksum mismatch for {entry.name}/{spec.local_name} ({entry.repo}/{spec.path}): "
            f"expected sha256 {spec.sha256}, got {actual}; the file was deleted",
            code="model-checksum", hint=f"cockpit models pull {entry.name}")


def _download_error(entry: ModelEntry, files: list[ModelFile], endpoint: str, why: str) -> CockpitError:
    names = ", ".join(f.path for f in files)
    return CockpitError(
        f"could not download {entry.name} from {endpoint}/{entry.repo}: {why}",
        code="model-download",
        hint=(f"check the network or proxy, or set HF_ENDPOINT to a reachable hub mirror and retry "
              f"`cockpit models pull {entry.name}`; or copy {names} by hand from "
              f"{HUB}/{entry.repo}/tree/{entry.revision} into {local_path(entry)}/ (base names only)"))


def cli(args) -> int:
    """`cockpit models list | pull NAME...`."""
    catalog = Catalog.load()
    if args.models_command == "list":
        for entry in catalog:
            state = "present" if is_present(entry) else "missing"
            print(f"{entry.name:<18} {entry.kind:<4} {state:<8} ~{entry.size_bytes / 1e6:,.0f} MB  {entry.repo}")
        return 0
    for name in args.names:
        path = pull(name, catalog=catalog)
        print(f"{name}: {path}")
    return 0
