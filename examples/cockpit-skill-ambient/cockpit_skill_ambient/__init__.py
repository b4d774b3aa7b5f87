"""Example cockpit skill plug-in: the cabin's ambient lighting, colour and brightness.

Signals: COVESA VSS 4.0, ``spec/Cabin/Cabin.vspec`` instancing ``SingleConfigurableLight.vspec``
as ``Vehicle.Cabin.Light.AmbientLight.Row[1,2].[DriverSide,PassengerSide]``, each with
``IsLightOn`` (boolean), ``Intensity`` (uint8, percent: how much of full brightness) and
``Color`` (string, ``#RRGGBB`` hex). A car without these signals gets a spoken "no ambient
lighting" instead of an error.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.skills.phrases import Phrase
from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs
from cockpit.vehicle.signals import SignalError

AMBIENT = "Vehicle.Cabin.Light.AmbientLight"
ZONES: tuple[str, ...] = tuple(f"{AMBIENT}.{row}.{side}" for row in ("Row1", "Row2")
                               for side in ("DriverSide", "PassengerSide"))
"""Every ambient-light instance VSS 4.0 defines."""

COLORS: dict[str, str] = {
    "white": "#FFFFFF", "warm_white": "#FFD8A8", "red": "#FF0000", "orange": "#FF8000",
    "yellow": "#FFD000", "green": "#00C040", "cyan": "#00D0FF", "blue": "#0040FF",
    "purple": "#8000FF", "pink": "#FF40A0",
}
Color = Literal["white", "warm_white", "red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink"]


class AmbientLightArgs(ToolArgs):
    color: Color | None = Field(None, description="Light colour; leave out to keep the current colour.")
    brightness: int = Field(ge=0, le=100, description="Brightness in percent: 0 switches the light off, 100 is full.")


def ambient_light(args: AmbientLightArgs, ctx: SkillContext) -> Outcome:
    """Set every ambient-light zone to the colour and brightness asked for."""
    changes: dict[str, object] = {}
    on = args.brightness > 0
    try:
        for zone in ZONES:
            values: dict[str, object] = {f"{zone}.IsLightOn": on}
            if on:
                values[f"{zone}.Intensity"] = args.brightness
            if args.color is not None:
                values[f"{zone}.Color"] = COLORS[args.color]
            for path in values:  # check first: set nothing unless the car has all of it
                ctx.vehicle.read(path)
            changes.update(values)
    except SignalError:
        return Outcome(False, "This car has no adjustable ambient lighting.")
    for path, value in changes.items():
        ctx.vehicle.actuate(path, value)
    if not on:
        return Outcome(True, "Turning the ambient lighting off.", changes)
    colour = f" {args.color.replace('_', ' ')}" if args.color else ""
    return Outcome(True, f"Setting the ambient lighting to{colour} at {args.brightness} percent.", changes)


LIGHT = "[the] (ambient | mood) (light | lights | lighting)"
PHRASES = (
    # English: the words the fast path parses and the offline recogniser listens for (one table)
    Phrase(f"(set | turn | change | make) {LIGHT} [to] {{color:ambient_colour}} [at] {{brightness:percent}} percent"),
    Phrase(f"(set | turn | change | make) {LIGHT} [to] {{color:ambient_colour}}", {"brightness": 60}),
    Phrase(f"(set | dim | turn) {LIGHT} [to] {{brightness:percent}} percent"),
    Phrase(f"(turn | switch) (off {LIGHT} | {LIGHT} off)", {"brightness": 0}),
    Phrase(f"(turn | switch) (on {LIGHT} | {LIGHT} on)", {"brightness": 60}),
    # Mandarin
    Phrase("(把 | 将) 氛围灯 (调成 | 换成 | 设成) {color:ambient_colour_zh}", {"brightness": 60}, "zh"),
    Phrase("(打开 | 开) 氛围灯", {"brightness": 60}, "zh"),
    Phrase("(关闭 | 关掉 | 关) 氛围灯", {"brightness": 0}, "zh"),
)
VOCABULARY = {
    "ambient_colour": {"white": "white", "warm white": "warm_white", "red": "red", "orange": "orange",
                       "yellow": "yellow", "green": "green", "cyan": "cyan", "blue": "blue", "purple": "purple",
                       "pink": "pink"},
    "ambient_colour_zh": {"白色": "white", "暖白色": "warm_white", "红色": "red", "橙色": "orange", "黄色": "yellow",
                          "绿色": "green", "青色": "cyan", "蓝色": "blue", "紫色": "purple", "粉色": "pink"},
}
"""The slot types the phrases use: spoken words -> the ``color`` argument's value."""

TOOL = Tool("ambient_light",
            "Set the cabin's ambient (mood) lighting: a colour such as blue or warm white, and a "
            "brightness from 0 (off) to 100 percent.",
            AmbientLightArgs, "actuate", ambient_light,
            # the policy this tool declares (cockpit's config can only make it stricter): a comfort
            # actuation, fine while driving, no confirmation
            allowed_while_moving=True, needs_confirmation=False,
            phrases=PHRASES, vocabulary=VOCABULARY)


def tools() -> tuple[Tool, ...]:
    """The entry point cockpit calls: every tool this plug-in provides."""
    return (TOOL,)


__all__ = ["AMBIENT", "COLORS", "PHRASES", "TOOL", "VOCABULARY", "ZONES", "AmbientLightArgs", "ambient_light", "tools"]
