"""Media tools: playback control and volume, including mute with remembered volume."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs

_MEDIA = "Vehicle.Cabin.Infotainment.Media"
ACTION = f"{_MEDIA}.Action"
VOLUME = f"{_MEDIA}.Volume"
UNMUTE_VOLUME = 30
"""Volume (percent) an unmute restores when nothing was remembered and the volume is 0."""

# Grammar action -> VSS 4.0 Media.Action value (VSS has no PAUSE: STOP is its nearest).
ACTIONS: dict[str, str] = {
    "pause": "STOP", "resume": "PLAY", "next": "SKIP_FORWARD", "previous": "SKIP_BACKWARD",
}
_SAY = {
    "pause": "Pausing the music.", "resume": "Resuming the music.",
    "next": "Skipping to the next track.", "previous": "Going back to the previous track.",
}


class MediaControlArgs(ToolArgs):
    action: Literal["pause", "resume", "next", "previous"] = Field(
        description="pause, resume playback, skip to the next track, or go back to the previous one.")


class MediaVolumeArgs(ToolArgs):
    """Give exactly one of ``level``, ``delta`` or ``mute``."""

    level: int | None = Field(None, ge=0, le=10, description="Volume level: 0 is silent, 10 is maximum.")
    delta: int | None = Field(None, ge=-10, le=10,
                              description="Change in volume levels: positive is louder, negative quieter.")
    mute: bool | None = Field(None, description="True to mute, false to unmute.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "MediaVolumeArgs":
        given = [n for n in ("level", "delta", "mute") if getattr(self, n) is not None]
        if len(given) != 1:
            got = " and ".join(given) + " were given" if given else "none was given"
            raise ValueError(f"give exactly one of level, delta or mute ({got})")
        return self


def media_control(args: MediaControlArgs, ctx: SkillContext) -> Outcome:
    """Send a playback action to the media player."""
    value = ACTIONS[args.action]
    ctx.vehicle.actuate(ACTION, value)
    return Outcome(True, _SAY[args.action], {ACTION: value})


def _level(percent: int) -> int:
    return int(round(percent / 10))


def media_volume(args: MediaVolumeArgs, ctx: SkillContext) -> Outcome:
    """Set, step, mute or unmute the media volume."""
    vehicle = ctx.vehicle
    current = int(vehicle.read(VOLUME))
    if args.mute is True:
        if vehicle.volume_before_mute is not None:
            return Outcome(True, "The sound is already muted.")
        vehicle.volume_before_mute = current
        vehicle.actuate(VOLUME, 0)
        return Outcome(True, "Muting the sound.", {VOLUME: 0})
    if args.mute is False:
        restore = vehicle.volume_before_mute
        if restore is None and current > 0:
            return Outcome(True, "The sound isn't muted.")
        target = restore if restore else UNMUTE_VOLUME
        vehicle.volume_before_mute = None
        vehicle.actuate(VOLUME, target)
        return Outcome(True, f"Unmuting. The volume is at {_level(target)}.", {VOLUME: target})
    if args.level is not None:
        target = args.level * 10
        vehicle.volume_before_mute = None
        vehicle.actuate(VOLUME, target)
        return Outcome(True, f"Setting the volume to {args.level}.", {VOLUME: target})
    # A step while muted starts from the remembered volume: "louder" should be heard.
    delta = int(args.delta or 0)
    muted = vehicle.volume_before_mute
    base = muted if muted is not None else current
    target = min(100, max(0, base + delta * 10))
    vehicle.volume_before_mute = None
    vehicle.actuate(VOLUME, target)
    if muted is not None:
        message = f"Unmuting. The volume is at {_level(target)}."
    elif target == base:
        edge = "maximum" if delta > 0 else "minimum" if delta < 0 else ""
        message = (f"The volume is already at the {edge}, {_level(target)}." if edge
                   else f"The volume is at {_level(target)}.")
    else:
        message = f"Turning the volume {'up' if delta > 0 else 'down'} to {_level(target)}."
    return Outcome(True, message, {VOLUME: target})


TOOLS: tuple[Tool, ...] = (
    Tool("media_control", "Control media playback: pause, resume, next track or previous track.",
         MediaControlArgs, "actuate", media_control,
         allowed_while_moving=True, needs_confirmation=False),
    Tool("media_volume",
         "Change the media volume: set a level from 0 to 10, step it up or down by a number of "
         "levels, or mute and unmute. Give exactly one of level, delta or mute.",
         MediaVolumeArgs, "actuate", media_volume,
         allowed_while_moving=True, needs_confirmation=False),
)
