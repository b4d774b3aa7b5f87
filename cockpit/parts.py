"""What an Assistant is made of, built in one place from the settings.

:func:`assemble` wires the car, the audit log, the skills, the voices, the reply sink, the listener,
the floor, the policy gate, the brain, the co-pilot and the driver's privacy controls, each from its
own factory or constructor, in the order they depend on each other. The Assistant (cockpit/pipeline.py)
takes them as its attributes and only runs turns.
"""
from __future__ import annotations

from dataclasses import dataclass

from cockpit.asr import Grammars
from cockpit.asr.listener import Listener
from cockpit.audio.output import ReplySink
from cockpit.brain.brain import Brain
from cockpit.brain.commands_zh import BilingualFastPath
from cockpit.brain.context import ContextRenderer
from cockpit.bus import EventBus
from cockpit.config import Settings
from cockpit.floor import Floor
from cockpit.privacy.controls import DriverPrivacy
from cockpit.proactive.copilot import CoPilot
from cockpit.skills.audit import AuditLog
from cockpit.skills.gate import ToolGate
from cockpit.skills.registry import Registry, SkillContext
from cockpit.skills.skillset import SkillSet
from cockpit.stack import choose, on_disk
from cockpit.tts.voices import Voices
from cockpit.vehicle.car import Car
from cockpit.vehicle.sim import SimulatedVehicle
from cockpit.wake import wake_phrases


@dataclass
class Parts:
    settings: Settings
    """As run: 'auto' engines resolved to the real stack if it is on disk, else the offline one."""
    stack: object
    bus: EventBus
    car: Car
    vehicle: SimulatedVehicle
    audit: AuditLog
    skills: SkillSet
    registry: Registry
    skill_context: SkillContext
    vehicle_context: ContextRenderer
    fastpath: BilingualFastPath
    voices: Voices
    sink: ReplySink
    listener: Listener
    floor: Floor
    gate: ToolGate
    brain: Brain
    copilot: CoPilot
    privacy: DriverPrivacy


def assemble(settings: Settings, *, vehicle: SimulatedVehicle | None = None, registry: Registry | None = None,
             bus: EventBus | None = None, sink: ReplySink | None = None) -> Parts:
    settings, stack = choose(settings, on_disk())  # 'auto' -> the real stack if on disk, else offline
    bus = bus or EventBus()
    car = Car(settings.vehicle, vehicle=vehicle)
    audit = AuditLog.for_settings(settings)  # in the state dir: rotated, retained, minimised
    # built-ins + plug-ins + the house (their phrases join the recogniser's grammar); MCP tools at prepare
    skills = SkillSet(settings, audit, bus.emit, registry=registry, signals=car.vehicle.signals, drive=lambda: car.drive)
    v = settings.vehicle
    skill_context = SkillContext(vehicle=car.vehicle, places=car.places, pois=car.pois, now=car.clock,
                                 route=car.route_ahead, preferences=v.preferences, poi_settings=v.poi)
    vehicle_context = ContextRenderer(car.vehicle.signals, coarse_km=settings.brain.privacy.location_precision_km,
                                      clock=car.clock)
    fastpath = skills.fast_path()
    sink = sink or ReplySink(settings.audio.output, settings.playback)
    wake = wake_phrases(settings.wake) or None  # heard as themselves, never forced into a command
    grammars = Grammars(fastpath.jsgf(wake=wake), fastpath.jsgf(wake=wake, dialog=True))
    listener = Listener(settings, bus.emit, grammars=grammars, player=sink.player)
    floor = Floor(sink, bus.emit, settings.barge_in.resume_ms)  # barge-in: pause, then cut or resume
    gate = ToolGate(skills.registry, skill_context, audit, bus, settings.session.confirm_window_s)
    brain = Brain(settings, fastpath, skills.registry, gate, bus, vehicle_context, audit)
    copilot = CoPilot(settings, bus, car, gate, audit=audit, agenda=skills.agenda,
                      arrival=skills.arrival)  # cockpit speaking first (cockpit/proactive/)
    privacy = DriverPrivacy(settings, bus.emit, router=brain.router, sink=sink,
                            histories=[tier.history for tier in brain.tiers.values()])
    skill_context.privacy = privacy  # privacy mode, forget today (skills/builtin/privacy.py)
    return Parts(settings, stack, bus, car, car.vehicle, audit, skills, skills.registry, skill_context,
                 vehicle_context, fastpath, Voices(settings.tts), sink, listener, floor, gate, brain, copilot, privacy)
