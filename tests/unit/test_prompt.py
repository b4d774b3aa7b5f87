from cockpit.brain.prompt import History, PromptBuilder


def test_prompt_order_keeps_the_static_prefix_first():
    h = History(turns=3, ttl_s=60, clock=lambda: 0.0)
    h.add("open the window", "Opening it.")
    msgs = PromptBuilder().build(h, "Vehicle: speed 50 km/h.", "and the sunroof?")
    assert msgs[:1] == PromptBuilder().static_prefix()  # identical bytes every turn: KV cache reuse
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[-1]["content"] == "Vehicle: speed 50 km/h.\nand the sunroof?"  # fresh context last


def test_history_keeps_the_last_turns_and_forgets_after_the_ttl():
    now = [0.0]
    h = History(turns=2, ttl_s=300, clock=lambda: now[0])
    for i in range(4):
        h.add(f"q{i}", f"a{i}")
    assert [m["content"] for m in h.messages()] == ["q2", "a2", "q3", "a3"]
    now[0] = 301.0
    assert h.messages() == []  # a new conversation


def test_history_can_be_off():
    h = History(turns=0, ttl_s=300)
    h.add("q", "a")
    assert h.messages() == []


def test_a_full_history_drops_its_oldest_half_at_once_so_the_cached_prompt_stays_valid():
    h = History(turns=6, ttl_s=300, clock=lambda: 0.0)
    firsts = []
    for i in range(12):
        h.add(f"q{i}", f"a{i}")
        firsts.append(h.messages()[0]["content"])
        assert len(h.messages()) <= 12
    # the history's first message (where the prompt would change after the static prefix) moves
    # only when a block is dropped: at the 7th and the 10th exchange, not at every turn
    assert firsts == ["q0"] * 6 + ["q3"] * 3 + ["q6"] * 3
    assert [m["content"] for m in h.messages()][-2:] == ["q11", "a11"]
