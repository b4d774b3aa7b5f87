"""What a tool may do, as the tool declares it, and how configuration can only tighten it.

Every :class:`~cockpit.skills.registry.Tool` declares its side-effect class (read | actuate |
transact), its driving rule (allowed while moving, a speed limit) and whether the driver must
confirm. That declaration is the one source of truth; the policy gate reads it, ``cockpit skills
list`` shows it. A declaration left out is the strictest one: not while moving, confirm first.

``skills.policy`` in the config (and an MCP server's per-tool settings after the server's own
declaration) is applied with :func:`tighten`: each field can only move towards stricter — a
higher side-effect class, moving forbidden, a lower speed limit, confirmation on. An override that
would loosen a field is ignored and reported, never applied.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal, Mapping, get_args

SideEffect = Literal["read", "actuate", "transact"]
SIDE_EFFECTS: tuple[str, ...] = get_args(SideEffect)
_RANK = {name: i for i, name in enumerate(SIDE_EFFECTS)}


@dataclass(frozen=True, slots=True)
class ToolPolicy:
    """What one tool may do, and when."""

    side_effect: SideEffect
    allowed_while_moving: bool
    """False: only with the speed known and at most MOVING_KMH (cockpit/skills/policy.py)."""
    max_speed_kmh: float | None = None
    """Refused above it, or when the speed is unknown."""
    needs_confirmation: bool = False
    """Read back, then only the driver's explicit yes runs it; always so for transact."""

    def __post_init__(self) -> None:
        if self.side_effect not in SIDE_EFFECTS:
            raise ValueError(f"side_effect {self.side_effect!r} is not one of {SIDE_EFFECTS}")
        if self.side_effect == "transact" and not self.needs_confirmation:
            raise ValueError("a transact tool always needs confirmation")
        if self.max_speed_kmh is not None and not 0 <= self.max_speed_kmh <= 400:
            raise ValueError(f"max_speed_kmh {self.max_speed_kmh!r} must be between 0 and 400 km/h")

    def as_dict(self) -> dict[str, Any]:
        return {"side_effect": self.side_effect, "allowed_while_moving": self.allowed_while_moving,
                "max_speed_kmh": self.max_speed_kmh, "needs_confirmation": self.needs_confirmation}


STRICTEST = ToolPolicy("transact", allowed_while_moving=False, needs_confirmation=True)
"""The policy of a tool nobody declared: a transaction, with the car stopped, confirmed by voice."""


def declared(side_effect: str | None, allowed_while_moving: bool | None = None,
             max_speed_kmh: float | None = None, needs_confirmation: bool | None = None) -> ToolPolicy:
    """A tool's policy from its declaration; whatever is missing or unknown is the strictest value."""
    effect = side_effect if side_effect in SIDE_EFFECTS else "transact"
    confirm = True if needs_confirmation is None or effect == "transact" else needs_confirmation
    return ToolPolicy(effect, bool(allowed_while_moving), max_speed_kmh, confirm)  # type: ignore[arg-type]


def tighten(base: ToolPolicy, override: Mapping[str, Any]) -> tuple[ToolPolicy, list[str]]:
    """``base`` made stricter by ``override`` (keys: the ToolPolicy fields; None = keep).

    Returns the policy and one sentence for each field the override tried to loosen (ignored)."""
    ignored: list[str] = []
    effect, moving, limit, confirm = base.side_effect, base.allowed_while_moving, base.max_speed_kmh, base.needs_confirmation
    want = override.get("side_effect")
    if want is not None:
        if want not in SIDE_EFFECTS:
            ignored.append(f"side_effect {want!r} is not one of {', '.join(SIDE_EFFECTS)}")
        elif _RANK[want] >= _RANK[effect]:
            effect = want
        else:
            ignored.append(f"side_effect {want} would loosen the declared {effect}")
    want = override.get("allowed_while_moving")
    if want is not None:
        if want and not moving:
            ignored.append("allowed_while_moving: true would loosen the declared stopped-only rule")
        moving = moving and bool(want)
    want = override.get("max_speed_kmh")
    if want is not None:
        if limit is not None and want > limit:
            ignored.append(f"max_speed_kmh {want:g} would loosen the declared {limit:g} km/h")
        limit = want if limit is None else min(limit, want)
    want = override.get("needs_confirmation")
    if want is not None:
        if not want and confirm:
            ignored.append("needs_confirmation: false would loosen the declared confirmation")
        confirm = confirm or bool(want)
    if effect == "transact":
        confirm = True
    return replace(base, side_effect=effect, allowed_while_moving=moving, max_speed_kmh=limit,
                   needs_confirmation=confirm), ignored


def stricter_or_equal(a: ToolPolicy, b: ToolPolicy) -> bool:
    """True when ``a`` allows nothing that ``b`` forbids."""
    return (_RANK[a.side_effect] >= _RANK[b.side_effect] and (b.allowed_while_moving or not a.allowed_while_moving)
            and (b.max_speed_kmh is None or (a.max_speed_kmh is not None and a.max_speed_kmh <= b.max_speed_kmh)
                 or not a.allowed_while_moving)
            and (a.needs_confirmation or not b.needs_confirmation))


__all__ = ["SIDE_EFFECTS", "STRICTEST", "SideEffect", "ToolPolicy", "declared", "stricter_or_equal", "tighten"]
