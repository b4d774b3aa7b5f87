"""`cockpit doctor`: every part gets a line, every gap its fix, and nothing ever raises."""
from __future__ import annotations

import pytest

from cockpit import doctor, models
from cockpit.errors import CockpitError


@pytest.fixture(scope="module")
def empty_models_report(tmp_path_factory):
    """run_checks once with an empty models folder (so every catalog model is missing)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COCKPIT_MODELS", str(tmp_path_factory.mktemp("no-models")))
        checks = doctor.run_checks()
    return checks, doctor.format_report(checks)


def line_for(report: str, name: str) -> str:
    lines = [ln for ln in report.splitlines() if ln[:1] in "✓!✗" and ln[2:].split("  ")[0].strip() == name]
    assert len(lines) == 1, f"no single line for {name!r} in:\n{report}"
    return lines[0]


def test_every_check_is_well_formed(empty_models_report):
    checks, _ = empty_models_report
    assert checks and all(isinstance(c, doctor.Check) for c in checks)
    for c in checks:
        assert c.name and isinstance(c.ok, bool) and isinstance(c.detail, str)
        if not c.ok:
            assert c.fix, f"{c.name} fails without a fix"
    names = [c.name for c in checks]
    for expected in ("python", "espeak-ng", "sounddevice", "audio input", "audio output", "pocketsphinx",
                     "llama-cpp-python", "faster-whisper", "piper", "gpsd"):
        assert expected in names
    assert next(c for c in checks if c.name == "python").ok


def test_report_has_espeak_and_each_model_with_its_fix(empty_models_report):
    _, report = empty_models_report
    assert "espeak-ng" in line_for(report, "espeak-ng")
    lines = report.splitlines()
    for name in models.Catalog.load().names():
        row = line_for(report, f"model {name}")
        assert row.startswith("!")  # missing, but optional: a warning
        fix = lines[lines.index(row) + 1]
        assert fix.strip() == f"→ cockpit models pull {name}"
    assert report.rstrip().splitlines()[-1].endswith("failures")


def test_a_present_model_is_ok(tmp_path, monkeypatch):
    monkeypatch.setenv("COCKPIT_MODELS", str(tmp_path))
    e = models.ModelEntry(name="tiny", kind="asr", repo="o/r", files=[{"path": "model.bin"}], size_bytes=1,
                          licence="MIT", description="d")
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "model.bin").write_bytes(b"x")
    [check] = doctor._models(models.Catalog((e,)))
    assert check.ok and check.name == "model tiny" and check.fix is None


def test_missing_espeak_names_the_package(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    check = doctor._espeak()
    assert not check.ok and not check.optional and "apt-get install espeak-ng" in check.fix


def test_run_checks_never_raises(monkeypatch):
    def boom():
        raise RuntimeError("espeak exploded")

    def bad_catalog(*args, **kwargs):
        raise CockpitError("catalog is broken", code="model-catalog", hint="fix the catalog")

    monkeypatch.setattr(doctor, "_espeak", boom)
    monkeypatch.setattr(models.Catalog, "load", bad_catalog)
    checks = {c.name: c for c in doctor.run_checks()}
    assert not checks["espeak-ng"].ok and "espeak exploded" in checks["espeak-ng"].detail
    assert not checks["model catalog"].ok and checks["model catalog"].fix == "fix the catalog"
    assert "espeak-ng" in doctor.format_report(list(checks.values()))


def test_probe_isolates_missing_and_crashing_imports():
    assert doctor._probe("no_such_module_cockpit_test", "print(1)", 10) == {"missing": True}
    killed = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    assert "crashed" in doctor._probe("json", killed, 10)["error"]
    assert "failed" in doctor._probe("json", "raise SystemExit('nope')", 10)["error"]
    assert doctor._probe("json", "print('{\"version\": 1}')", 10) == {"version": 1}


def test_format_report_never_raises():
    assert "report formatting failed" in doctor.format_report([object()])  # type: ignore[list-item]
    text = doctor.format_report([doctor.Check("mic", False, "none", "plug one in", optional=True),
                                 doctor.Check("core", False, "broken", "reinstall"),
                                 doctor.Check("ok", True, "fine")])
    assert "! mic" in text and "✗ core" in text and "✓ ok" in text and "→ reinstall" in text
    assert "1 ok, 1 warnings, 1 failures" in text
