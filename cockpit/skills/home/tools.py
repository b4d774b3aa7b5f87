"""The home skills: heating, lights, garage door, a sensor, and the arrival routine — one tool each,
built from ``home:`` (only those whose entities are configured). Their argument choices are the
configured rooms and sensors, so the LLM is offered exactly what the house has.

Policy, declared here: heating and lights are actuations allowed while driving; the garage door
opens or closes only after a read-back and the driver's yes (a door into the house); the arrival
routine likewise (it is offered, never just done); reading a sensor is a read.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field, create_model

from cockpit.config.skills import HomeSettings
from cockpit.skills.home.arrival import ArrivalWatch
from cockpit.skills.home.client import HomeAssistant
from cockpit.skills.phrases import Phrase, check_phrases
from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs

SOURCE = "home-assistant"
"""The registry source of these tools (``cockpit skills list``)."""
_DRIVING = {"allowed_while_moving": True, "needs_confirmation": False}
_ASK = {"allowed_while_moving": True, "needs_confirmation": True}


class HeatingArgs(ToolArgs):
    celsius: float = Field(ge=7, le=30, description="Target temperature of the house in degrees Celsius.")


class GarageArgs(ToolArgs):
    action: Literal["open", "close"] = Field(description="Open or close the garage door.")


class ArrivalArgs(ToolArgs):
    eta_minutes: Optional[int] = Field(None, ge=0, le=600, description="Minutes until the car is home, if known.")


def _say_number(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:g}"


def home_tools(settings: HomeSettings, ha: HomeAssistant, watch: ArrivalWatch | None) -> tuple[list[Tool], list[str]]:
    """The tools the configured house supports, and why any tool's phrases were left out."""
    tools: list[Tool] = []
    if settings.climate:
        entity = settings.climate

        def heating(args: HeatingArgs, ctx: SkillContext) -> Outcome:
            ha.call("climate.set_temperature", {"entity_id": entity, "temperature": args.celsius})
            now = ha.state(entity).get("attributes", {}).get("temperature", args.celsius)
            return Outcome(True, f"The heating at home is set to {_say_number(now)} degrees.")

        tools.append(Tool("home_heating", "Set the target temperature of the heating at the driver's home "
                          "(Home Assistant), in degrees Celsius.", HeatingArgs, "actuate", heating, blocking=True,
                          phrases=(Phrase("(set | turn) the (heating | temperature) at home to {celsius:temperature} "
                                          "[degrees]"),), **_DRIVING))
    if settings.lights:
        rooms = dict(settings.lights)
        Room = Literal[tuple([*rooms, "all"])]  # type: ignore[misc]
        LightArgs = create_model("HomeLightsArgs", __base__=ToolArgs,
                                 room=(Room, Field(description="Which room's lights, or all of them.")),
                                 on=(bool, Field(description="true: switch on; false: switch off.")),
                                 brightness=(Optional[int], Field(None, ge=1, le=100, description="Percent, when on.")))

        def lights(args: Any, ctx: SkillContext) -> Outcome:
            entities = list(rooms.values()) if args.room == "all" else [rooms[args.room]]
            data: dict[str, Any] = {"entity_id": entities}
            if args.on and args.brightness is not None:
                data["brightness_pct"] = args.brightness
            ha.call("light.turn_on" if args.on else "light.turn_off", data)
            where = "all the lights at home" if args.room == "all" else f"the {args.room} lights at home"
            return Outcome(True, f"Switched {'on' if args.on else 'off'} {where}.")

        tools.append(Tool("home_lights", "Switch lights at the driver's home on or off (Home Assistant).",
                          LightArgs, "actuate", lights, blocking=True,
                          phrases=(Phrase("(turn | switch) on [all] the lights at home", {"room": "all", "on": True}),
                                   Phrase("(turn | switch) off [all] the lights at home", {"room": "all", "on": False})),
                          **_DRIVING))
    if settings.garage:
        door = settings.garage

        def garage(args: GarageArgs, ctx: SkillContext) -> Outcome:
            ha.call(f"cover.{args.action}_cover", {"entity_id": door})
            return Outcome(True, f"{'Opening' if args.action == 'open' else 'Closing'} the garage door at home.")

        tools.append(Tool("home_garage", "Open or close the garage door at the driver's home (Home Assistant).",
                          GarageArgs, "actuate", garage, blocking=True,
                          readback=lambda a: f"{str(a.get('action', 'open')).capitalize()} the garage door at home? "
                                             "Shall I go ahead?",
                          phrases=(Phrase("open the garage [door]", {"action": "open"}),
                                   Phrase("close the garage [door]", {"action": "close"})), **_ASK))
    if settings.sensors:
        names = dict(settings.sensors)
        SensorArgs = create_model("HomeSensorArgs", __base__=ToolArgs, name=(
            Literal[tuple(names)], Field(description="Which reading at home.")))  # type: ignore[valid-type]

        def sensor(args: Any, ctx: SkillContext) -> Outcome:
            state = ha.state(names[args.name])
            unit = state.get("attributes", {}).get("unit_of_measurement") or ""
            return Outcome(True, f"The {args.name} at home is {_say_number(state['state'])} {unit}".rstrip() + ".")

        tools.append(Tool("home_sensor", "Read a sensor at the driver's home (Home Assistant).", SensorArgs, "read",
                          sensor, blocking=True, vocabulary={"home_sensor": {n: n for n in names}},
                          phrases=(Phrase("what is the {name:home_sensor} at home"),), **_DRIVING))
    if settings.arrival and watch is not None:
        calls = [(c.service, {**({"entity_id": c.entity_id} if c.entity_id is not None else {}), **c.data})
                 for c in settings.arrival]

        def arrival(args: ArrivalArgs, ctx: SkillContext) -> Outcome:
            if not watch.ran():
                return Outcome(False, "I've already prepared the house for this trip.")
            for service, data in calls:
                ha.call(service, data)
            return Outcome(True, "Done: the house is getting ready for you.")

        def ask(a: Any) -> str:
            minutes = a.get("eta_minutes")
            away = "" if minutes is None else f" You're {minutes} minute{'s' if minutes != 1 else ''} away."
            return f"{settings.arrival_question}{away}"

        tools.append(Tool("home_arrival", "Prepare the driver's home for arrival (the configured routine: heating, "
                          "lights ...). Offered when nearly home.", ArrivalArgs, "actuate", arrival, blocking=True,
                          readback=ask, **_ASK))
    dropped = []
    for i, tool in enumerate(tools):
        problems = check_phrases(tool)
        if problems:  # a room or sensor named with words the recogniser lacks: the tool stays, for the LLM
            dropped.append(f"{tool.name}: phrases left out: {'; '.join(problems)}")
            tools[i] = Tool(tool.name, tool.description, tool.args, tool.side_effect, tool.handler,
                            allowed_while_moving=tool.allowed_while_moving, needs_confirmation=tool.needs_confirmation,
                            blocking=True, readback=tool.readback)
    return tools, dropped


__all__ = ["SOURCE", "home_tools"]
