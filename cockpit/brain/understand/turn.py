"""The fast path's part of a turn: understand the words, act, ask back, or hand on to the models.

The Brain calls :meth:`FastTurn.understand` on every transcript and :meth:`FastTurn.act` on
anything that is not open text. A question cockpit asked ("Seat heating for you or the
passenger?") waits for the driver's next utterance for ``session.confirm_window_s``; while it
waits, :attr:`FastTurn.asking` is True, and the Brain's ``awaiting_answer`` tells the listener to
take those words without the wake phrase (and the grammar recogniser to use its dialog grammar,
which holds the answers). :meth:`FastTurn.execute` is the gate for the model tiers' calls: words
that were a question, a negation, a request for later or about someone else never actuate.
"""
from __future__ import annotations

import time
from typing import Awaitable, Callable

from cockpit.brain.understand.frontend import Clarify, Command, Decline, FrontEnd, Open, Understanding
from cockpit.bus import EventBus
from cockpit.events import ErrorRaised, Route, Stage, ToolCall, ToolResult
from cockpit.skills.gate import ToolGate
from cockpit.skills.registry import Registry
from cockpit.trace import TurnTrace

NOT_A_REQUEST = "policy-not-a-request"
_NOT_A_REQUEST_SAY = {"en": "I'll only change that when you ask me to.", "zh": "您明确要求时我才会操作。"}


class FastTurn:
    def __init__(self, frontend: FrontEnd, gate: ToolGate, registry: Registry, bus: EventBus,
                 answer_window_s: float, enabled: bool = True, clock: Callable[[], float] = time.monotonic):
        self.frontend, self.gate, self.registry, self.bus = frontend, gate, registry, bus
        self.answer_window_s, self.enabled, self.clock = answer_window_s, enabled, clock
        self._asked: tuple[Clarify, float] | None = None

    @property
    def asking(self) -> bool:
        """cockpit asked a question of its own and the answer is still awaited."""
        return self._asked is not None and self.clock() - self._asked[1] <= self.answer_window_s

    @property
    def asking_yes_no(self) -> bool:
        """The awaited answer is a yes or a no (a read-back of a whole command, not a missing value)."""
        return self.asking and self._asked is not None and not self._asked[0].missing

    def understand(self, text: str, reading: str | None = None) -> Understanding:
        """What ``text`` means now: the answer to a pending question, or a new request (a command
        that ``reading``, the recogniser's cross-check, does not confirm is read back first)."""
        asked, self._asked = self._asked, None
        if not self.enabled:
            rest = self.frontend.understand(text)
            return rest if isinstance(rest, (Open, Decline)) else Open(text)
        if asked is not None and self.clock() - asked[1] <= self.answer_window_s:
            return self.frontend.answer(asked[0], text)
        heard = self.frontend.understand(text)
        if reading is None or not isinstance(heard, Command) or self._read_back_anyway(heard.call.name):
            return heard
        return self.frontend.cross_check(heard, reading)

    async def act(self, heard: Understanding, trace: TurnTrace, turn: int,
                  say: Callable[[str], None]) -> tuple[str, list[ToolCall], str]:
        """Run a Command, ask a Clarify's question, or say a Decline's reply: (reply, calls, reason)."""
        if isinstance(heard, Command):
            _ok, reply = await self.gate.execute(heard.call, Route.FASTPATH, trace, turn)
            say(reply)
            return reply, [heard.call], f"rule: {heard.rule}"
        if isinstance(heard, Clarify):
            self._asked = (heard, self.clock())
            say(heard.question)
            missing = heard.missing[0] if heard.missing else "yes/no"
            return heard.question, [], f"asked back ({heard.tool}: {missing}) for {heard.text!r}"
        assert isinstance(heard, Decline), heard
        say(heard.reply)
        return heard.reply, [], f"declined ({heard.reason}): {heard.text!r}"

    def execute(self, heard: Open, route: Route, trace: TurnTrace,
                turn: int) -> Callable[[ToolCall], Awaitable[tuple[bool, str]]]:
        """The model tiers' gate for this turn: actuations refused when the words were not a request."""
        async def run(call: ToolCall) -> tuple[bool, str]:
            if not heard.may_actuate and self._actuates(call):
                lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in heard.text) else "en"
                spoken = _NOT_A_REQUEST_SAY[lang]
                self.bus.emit(ErrorRaised(t=self.clock(), turn=turn, code=NOT_A_REQUEST, stage=Stage.TOOL,
                                          message=f"{call.name} refused: {heard.reason}"))
                self.bus.emit(ToolResult(t=self.clock(), turn=turn, call=call, ok=False, message=spoken))
                return False, spoken
            return await self.gate.execute(call, route, trace, turn)
        return run

    def _read_back_anyway(self, tool: str) -> bool:
        """The gate reads this tool's calls back before they run (a transaction): no second question."""
        try:
            return self.registry.policy(tool).needs_confirmation
        except Exception:  # noqa: BLE001 - an unknown tool: the gate refuses it with its own code
            return False

    def _actuates(self, call: ToolCall) -> bool:
        try:
            return self.registry.get(call.name).side_effect == "actuate"
        except Exception:  # noqa: BLE001 - an unknown tool: the gate refuses it with its own code
            return False
