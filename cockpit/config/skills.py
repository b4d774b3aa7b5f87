"""Skills from outside cockpit: plug-ins, policy overrides, MCP servers, and Home Assistant."""
from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from cockpit.config.base import Section

_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")


class PolicyOverride(Section):
    """Fields of a tool's policy; each one given can only make the tool stricter than it declares."""

    side_effect: Literal["read", "actuate", "transact"] | None = None
    """read | actuate | transact; a higher class than declared (transact: read back, confirm by voice)."""
    allowed_while_moving: bool | None = None
    """false: only with the car stopped (true cannot lift a declared stopped-only rule)."""
    max_speed_kmh: float | None = Field(None, ge=0.0, le=300.0)
    """Refused above this speed (a higher value than declared is ignored)."""
    needs_confirmation: bool | None = None
    """true: read back and wait for the driver's spoken yes (false cannot lift a declared one)."""


class McpToolSettings(PolicyOverride):
    """How cockpit treats one MCP tool. The server is not trusted to say: unless declared here, an MCP
    tool is a transaction (read back, confirmed by voice); its readOnlyHint only suggests 'read'."""


class McpServerSettings(Section):
    name: str
    """Short name (lower case, digits, _), used in the audit log, errors and the default prefix."""
    command: list[str] | None = None
    """A stdio server: the program and its arguments, e.g. [python, -m, my_server]. Give this or url."""
    url: str | None = None
    """A streamable-HTTP server's endpoint, e.g. http://127.0.0.1:8000/mcp. Give this or command."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment for a stdio server's process."""
    headers_env: dict[str, str] = Field(default_factory=dict)
    """HTTP header -> the environment variable holding its value (e.g. Authorization: SHOP_TOKEN); the
    value itself never sits in the config file."""
    prefix: str | None = None
    """Put before each tool's name (default: '<name>_'), so two servers' tools never clash."""
    tools: dict[str, McpToolSettings] = Field(default_factory=dict)
    """The server's tool name -> its policy here; a tool not listed is a transaction."""
    connect_timeout_s: float = Field(10.0, gt=0.0, le=120.0)
    """How long starting/connecting and listing tools may take (at start, and each reconnect)."""
    call_timeout_s: float = Field(8.0, gt=0.0, le=120.0)
    """How long one tool call may take; past it the call fails (mcp-timeout), the turn goes on."""
    reconnect_min_s: float = Field(1.0, gt=0.0, le=600.0)
    """First wait before reconnecting a server that died; doubles each failure ..."""
    reconnect_max_s: float = Field(60.0, gt=0.0, le=3600.0)
    """... up to this."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError("use lower-case letters, digits and _, starting with a letter (e.g. shop)")
        return value

    @model_validator(mode="after")
    def _one_transport(self) -> "McpServerSettings":
        if (self.command is None) == (self.url is None):
            raise ValueError(f"MCP server {self.name!r}: give exactly one of command (stdio) or url (streamable HTTP)")
        if self.command is not None and not self.command:
            raise ValueError(f"MCP server {self.name!r}: command is empty; give the program and its arguments")
        if self.url is not None and not re.match(r"https?://", self.url):
            raise ValueError(f"MCP server {self.name!r}: url must start with http:// or https://")
        return self

    @property
    def tool_prefix(self) -> str:
        return self.prefix if self.prefix is not None else f"{self.name}_"


class McpSettings(Section):
    servers: list[McpServerSettings] = Field(default_factory=list)
    """MCP servers whose tools join the registry (behind the same gate as every tool)."""
    spoken_chars_parked: int = Field(400, ge=40, le=4000)
    """Longest tool result read out with the car parked (cut at a sentence end)."""
    spoken_chars_driving: int = Field(160, ge=40, le=4000)
    """Longest tool result read out while driving."""

    @model_validator(mode="after")
    def _unique(self) -> "McpSettings":
        names = [s.name for s in self.servers]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"MCP server names must be unique: {', '.join(twice)} given twice")
        return self


class SkillsSettings(Section):
    plugins: bool = True
    """Load installed skill plug-ins (entry-point group cockpit.skills) into the Assistant."""
    policy: dict[str, PolicyOverride] = Field(default_factory=dict)
    """Tool name -> stricter policy than the tool declares (never looser: such fields are ignored
    and reported by `cockpit doctor` and `cockpit skills list`)."""
    mcp: McpSettings = McpSettings()


class HomeServiceCall(Section):
    """One Home Assistant service call, e.g. {service: climate.set_temperature, entity_id: climate.hall,
    data: {temperature: 21}}."""

    service: str
    """domain.service, as in Home Assistant's developer tools."""
    entity_id: str | list[str] | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    """More service data (temperature, brightness_pct, ...)."""

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*", value):
            raise ValueError("write it as domain.service, e.g. climate.set_temperature")
        return value


class HomeSettings(Section):
    url: str | None = None
    """Home Assistant's base URL, e.g. http://homeassistant.local:8123; null: no home skills."""
    token_env: str = "COCKPIT_HA_TOKEN"
    """The environment variable holding a long-lived access token (HA: profile -> security)."""
    timeout_s: float = Field(5.0, gt=0.0, le=60.0)
    """How long one request to Home Assistant may take."""
    climate: str | None = None
    """The house's thermostat (climate.*): 'set the heating at home to 21'."""
    lights: dict[str, str] = Field(default_factory=dict)
    """Room -> light entity, e.g. {living room: light.living_room}."""
    garage: str | None = None
    """The garage door (cover.*)."""
    sensors: dict[str, str] = Field(default_factory=dict)
    """Name -> sensor entity, e.g. {outside temperature: sensor.outside_temperature}."""
    place: str = "home"
    """The vehicle.places entry that is this house (the arrival routine watches for it)."""
    arrival: list[HomeServiceCall] = Field(default_factory=list)
    """The arrival routine: service calls run on the driver's yes when nearly home; empty: none."""
    arrival_minutes: float = Field(15.0, gt=0.0, le=240.0)
    """Offer the routine once the ETA home falls under this many minutes."""
    arrival_question: str = Field("Shall I warm up the house?", min_length=3, max_length=120)
    """What cockpit asks; it adds how far away the car is."""
    arrival_radius_m: float = Field(300.0, gt=0.0, le=5000.0)
    """A navigation destination this close to the place counts as 'home'."""
    check_every_s: float = Field(5.0, gt=0.0, le=600.0)
    """How often the arrival routine looks at the trip (the co-pilot then looks at least this often)."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://[^/\s]+", value):
            raise ValueError("give the base URL, e.g. http://homeassistant.local:8123")
        return value.rstrip("/") if value else value


__all__ = ["HomeServiceCall", "HomeSettings", "McpServerSettings", "McpSettings", "McpToolSettings", "PolicyOverride",
           "SkillsSettings"]
