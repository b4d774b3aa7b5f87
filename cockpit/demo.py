"""`cockpit demo`: a scripted drive spoken into the real pipeline, offline."""
from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import load_config
from cockpit.events import Event, StackReady, ToolResult, TurnSummary
from cockpit.scenario import driver_speech, load_scenario, resolve_driver_voice
from cockpit.vehicle import vss
from cockpit.vehicle.geo import compass

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ("asr", "route", "tool", "tts_first", "total")


def latency_table(summaries: list[TurnSummary]) -> str:
    head = f"{'turn':>4}  {'route':<9}" + "".join(f"{c:>11}" for c in COLUMNS)
    rows = [head, "-" * len(head)]
    for s in summaries:
        cells = "".join(f"{s.timings_ms[c]:>8.0f} ms" if c in s.timings_ms else f"{'-':>11}" for c in COLUMNS)
        rows.append(f"{s.turn:>4}  {s.route.value:<9}{cells}")
    return "\n".join(rows)


def stack_report(ready: StackReady) -> str:
    """The engines as loaded, each marked real or FIXTURE, and any fallback with its fix."""
    lines = [f"  {part:<7} {label}{'   FIXTURE (random weights)' if part in ready.fixtures else ''}"
             for part, label in ready.parts.items()]
    lines += [f"  note: {line}" for line in ready.fallbacks]
    return "stack:\n" + "\n".join(lines)


def car_line(assistant) -> str:
    """Where the car is, how fast and which way, and the local time — as the assistant knows it."""
    signals, now = assistant.vehicle.signals, assistant.car.clock()
    lat, lon, speed, heading = (signals.fresh(p) for p in (vss.LATITUDE, vss.LONGITUDE, vss.SPEED, vss.HEADING))
    where = f"{lat.value:.5f}, {lon.value:.5f}" if lat and lon else "position unknown"
    moving = f"{speed.value:.0f} km/h" if speed else "speed unknown"
    facing = f"heading {compass(heading.value)}" if heading else "heading unknown"
    return f"{where}, {moving}, {facing} ({now:%a %H:%M})"


def call_text(call) -> str:
    """A tool call as the driver's console shows it: ``name(key=value, ...)``."""
    return f"{call.name}({', '.join(f'{k}={v!r}' for k, v in call.arguments.items())})"


async def _start(assistant, scenario, args: argparse.Namespace, show) -> None:
    """Announce the scenario, load every engine and say which stack runs (not in --json)."""
    assistant.bus.subscribe(show)
    if not args.json:
        print(f"cockpit demo — {scenario.name}\n{scenario.description}".rstrip())
        print("preparing engines…", flush=True)
    await assistant.prepare()
    if not args.json:
        print(stack_report(assistant.ready), flush=True)


async def run_demo(args: argparse.Namespace) -> int:
    from cockpit.pipeline import Assistant
    from cockpit.scripted_drive import is_drive_scenario

    if is_drive_scenario(args.scenario):
        return await run_drive_demo(args)
    scenario = load_scenario(args.scenario)
    settings = load_config(REPO / scenario.config if scenario.config else None)
    out = settings.audio.output.model_copy(update={"sink": "file", "reply_dir": str(args.out_dir)})
    settings = settings.model_copy(update={"audio": settings.audio.model_copy(update={"output": out})})
    if scenario.clock is not None:
        settings = settings.model_copy(update={"vehicle": settings.vehicle.model_copy(update={"clock": scenario.clock})})
    assistant = Assistant(settings)
    changes: list[str] = []

    def show(event: Event) -> None:
        if args.json:
            if event.type != "voice":
                print(event.to_json(), flush=True)
        elif isinstance(event, ToolResult):
            changes.extend(f"    {path} = {value!r}" for path, value in event.changes.items())
        elif isinstance(event, TurnSummary):
            print(f"\n[{event.turn}] driver : {event.transcript or '(not understood)'}")
            print(f"    car    : {car_line(assistant)}")
            for c in event.tool_calls:
                print(f"    action : {call_text(c)}")
            print(*changes, sep="\n") if changes else None
            changes.clear()
            print(f"    cockpit: {event.reply}" + (f"   [error: {event.error}]" if event.error else ""))

    await _start(assistant, scenario, args, show)
    if not args.json:
        print(f"  driver  {resolve_driver_voice(scenario.driver_voice)} (the simulated driver's voice)", flush=True)
    clips = [driver_speech(turn.say, turn.rate_wpm, scenario.driver_voice) for turn in scenario.turns]

    def drive_to_turn(i: int) -> None:  # the drive is where the scenario says when the driver speaks
        at_s, drive = scenario.turns[i].at_s, assistant.car.drive
        if at_s is not None and drive is not None:
            drive.seek(at_s)

    try:
        mic = simulated_microphone(clips, realtime=True, gap_s=1.5, on_clip=drive_to_turn)
        summaries = await assistant.listen(mic)
    finally:
        await assistant.close()
    if not args.json:
        understood = sum(1 for s in summaries if s.tool_calls)
        print(f"\n{understood}/{len(scenario.turns)} spoken commands acted on; replies in {args.out_dir}/\n")
        e = settings.endpoint
        print(f"latency per turn (ms), from the endpointer's decision ({e.hangover_ms} ms of silence after speech, "
              f"{e.hangover_complete_ms} ms once the words already form a complete command):")
        print(latency_table(summaries))
    return 0 if summaries else 1


def _clock(assistant) -> str:
    drive = assistant.car.drive
    t = drive.route_time() if drive is not None else 0.0
    return f"[{assistant.car.clock():%H:%M} +{int(t // 3600)}:{int(t % 3600 // 60):02d}]"


async def run_drive_demo(args: argparse.Namespace) -> int:
    """A scripted long drive (cockpit/scripted_drive.py): what was said and asked, when, and the audit trail
    of every prompt. Runs on a fresh state dir under ``--out-dir`` (its agenda and audit log)."""
    import shutil

    from cockpit.events import ProactivePrompt, ProactiveSettled
    from cockpit.pipeline import Assistant
    from cockpit.scripted_drive import DriveScenario, ScriptedCabin, anchored

    scenario = load_scenario(args.scenario, DriveScenario)
    state = Path(args.out_dir) / "state"
    shutil.rmtree(state, ignore_errors=True)
    settings = anchored(load_config(REPO / scenario.config), REPO, state)
    out = settings.audio.output.model_copy(update={"sink": "file", "reply_dir": str(args.out_dir)})
    settings = settings.model_copy(update={"audio": settings.audio.model_copy(update={"output": out}),
                                           "vehicle": settings.vehicle.model_copy(update={"clock": scenario.clock})})
    assistant = Assistant(settings)
    outcome: dict[str, str] = {}

    def show(event: Event) -> None:
        if args.json:
            if event.type != "voice":
                print(event.to_json(), flush=True)
        elif isinstance(event, ProactivePrompt):
            print(f"{_clock(assistant)} cockpit asks first ({event.kind}: {event.reason})\n{' ' * 16}cockpit: "
                  f"{event.question} [if yes: {event.offers.name}({event.offers.as_dict()['arguments']})]", flush=True)
        elif isinstance(event, ProactiveSettled) and event.outcome != "dropped":
            outcome[event.key] = event.outcome
        elif isinstance(event, TurnSummary) and event.transcript:
            said = f"driver : {event.transcript}\n{' ' * 16}"
            calls = "".join(f" [{call_text(c)}]" for c in event.tool_calls)
            print(f"{_clock(assistant)} {said}cockpit: {event.reply}{calls}", flush=True)

    await _start(assistant, scenario, args, show)
    voice = scenario.driver_voice
    cabin = ScriptedCabin(assistant, scenario, lambda text, wpm: driver_speech(text, wpm, voice))
    try:
        await assistant.listen(cabin.frames())
    finally:
        await assistant.close()
    if not args.json:
        print("\nprompts, in the order cockpit asked them (trip time, local time):")
        for p in assistant.copilot.asked:
            local = scenario.clock.timestamp() + p.trip_s
            print(f"  +{int(p.trip_s // 3600)}:{int(p.trip_s % 3600 // 60):02d}  "
                  f"{datetime.fromtimestamp(local):%H:%M}  {p.kind:<8} {outcome.get(p.key, '?'):<10} {p.question}")
        print(f"\naudit trail: {settings.session.audit_log} (cockpit audit show)")
    return 0 if assistant.copilot.asked else 1
