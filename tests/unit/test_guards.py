"""The reply guards (cockpit/brain/guards.py): pure, judged sentence by sentence on a stream."""
import pytest

from cockpit.brain.guards import (CONTEXT_ECHO, REPETITION, TOOL_TEXT, UNBACKED_CLAIM, ContextFacts, Dropped,
                                  ReplyGuard, Spoken, is_claim, is_question, looks_like_command)

CONTEXT = ("Vehicle (08:30 Thu): at 48.13740, 11.57550, speed 0 km/h, heading north (0°), fuel 62%, "
           "battery 80%, range 450 km, outside 12°C, cabin set to 21°C.")


def run(guard: ReplyGuard, text: str, *, acted: bool = False, step: int = 1) -> list:
    """Feed ``text`` in pieces of ``step`` characters (a stream), then end the round."""
    out = []
    for i in range(0, len(text), step):
        out += guard.feed(text[i:i + step])
    return out + guard.end_round(acted)


def spoken(verdicts) -> str:
    return "".join(v.text for v in verdicts if isinstance(v, Spoken)).strip()


def codes(verdicts) -> list[str]:
    return [v.code for v in verdicts if isinstance(v, Dropped)]


# -- the context line ------------------------------------------------------------------------------
@pytest.mark.parametrize("sentence", [
    CONTEXT,
    "Vehicle (08:30 Thu): at 48.13740.",
    "You are at 48.13740, 11.57550.",
    "The car is at 48.137 north.",
    "Fuel 62%, battery 80%.",
    "Your speed 0 km/h, heading north (0°).",
    "It's 08:30 Thu, fuel 62%.",
    "You have 62% fuel, 80% battery and 450 km of range.",
    "The fuel level is still at 62%, and the battery charge remains at 80%.",
])
def test_a_sentence_that_reads_out_the_context_line_is_dropped(sentence):
    assert ContextFacts.of(CONTEXT).echoed(sentence), sentence
    out = run(ReplyGuard(CONTEXT, max_sentences=3), sentence + " ")
    assert spoken(out) == "" and codes(out) == [CONTEXT_ECHO]


@pytest.mark.parametrize("sentence", [
    "You have 62% fuel left.", "The battery is at 80 percent.", "It is 12 degrees outside.",
    "Pi is about 3.14159.", "The capital of France is Paris.", "It's 08:30 on Thursday.",
])
def test_one_fact_in_words_is_an_answer_not_an_echo(sentence):
    assert not ContextFacts.of(CONTEXT).echoed(sentence), sentence


def test_the_coarse_context_is_recognised_too():
    coarse = "Vehicle (08:30 Thu): near 48.1405, 11.5771, speed 0 km/h, fuel 62%."
    assert ContextFacts.of(coarse).echoed("We are near 48.1405.")
    assert ContextFacts.of(coarse).echoed("speed 0 km/h, fuel 62%")


def test_an_echo_is_dropped_and_the_reply_goes_on():
    out = run(ReplyGuard(CONTEXT, max_sentences=3),
              "Vehicle (08:30 Thu): at 48.13740, 11.57550, fuel 62%. The capital of France is Paris.")
    assert spoken(out) == "The capital of France is Paris."
    assert codes(out) == [CONTEXT_ECHO]


# -- sentences and caps ------------------------------------------------------------------------------
def test_a_sentence_is_released_in_the_feed_that_completes_its_boundary():
    """No wait beyond the boundary: '.' then white space is enough (the TTS chunker cuts there too)."""
    guard = ReplyGuard(CONTEXT, max_sentences=3)
    assert guard.feed("The capital of France") == []
    assert guard.feed(" is Paris.") == []  # '.' at the end may still become '.5'
    assert guard.feed(" It") == [Spoken("The capital of France is Paris. ")]
    assert guard.feed(" is old.\n") == [Spoken("It is old.\n")]


@pytest.mark.parametrize("text, first", [
    ("Dr. Smith lives on Main St. in Paris. Yes. ", "Dr. Smith lives on Main St. in Paris. "),
    ("It costs 2.50 euros. Yes. ", "It costs 2.50 euros. "),
    ("Really?! Yes. ", "Really?! "),
    ("He said \"go.\" Then. ", "He said \"go.\" "),
    ("好的。我知道了。", "好的。"),
    ("Paris, France\nLyon. ", "Paris, France\n"),
])
def test_sentence_boundaries(text, first):
    guard = ReplyGuard("", max_sentences=5)
    out = [v for v in run(guard, text) if isinstance(v, Spoken)]
    assert out[0].text == first


def test_the_sentence_cap_stops_the_model_at_the_next_words():
    guard = ReplyGuard(CONTEXT, max_sentences=2)
    out = []
    for piece in ["One fact. ", "Two facts. ", "Three"]:
        out += guard.feed(piece)
        if guard.stopped:
            break
    assert spoken(out) == "One fact. Two facts." and guard.stopped == "sentence-cap"
    assert guard.feed(" more words.") == []  # stopped: nothing more is judged


def test_the_unfinished_last_sentence_is_judged_at_the_end_of_the_round():
    out = run(ReplyGuard(CONTEXT, max_sentences=2), "The answer is Paris")
    assert spoken(out) == "The answer is Paris"


def test_a_sentence_with_no_break_is_judged_at_max_chars():
    guard = ReplyGuard("", max_sentences=3, max_chars=40)
    out = guard.feed("word " * 7 + "another different long tail of words")
    assert out and isinstance(out[0], Spoken) and len(out[0].text) <= 41


# -- repetition --------------------------------------------------------------------------------------
def test_a_repeated_sentence_is_dropped_and_stops_the_model():
    guard = ReplyGuard(CONTEXT, max_sentences=9)
    out = []
    for _ in range(5):
        out += guard.feed("Paris, France\n")
        if guard.stopped:
            break
    assert spoken(out) == "Paris, France" and guard.stopped == "repetition" and codes(out) == [REPETITION]


def test_the_drivers_own_words_said_back_are_a_repetition():
    """Measured on the real SmolLM2 (bench, "the air in here feels stale"): it answered with the request itself."""
    guard = ReplyGuard(CONTEXT, max_sentences=4, request="the air in here feels stale")
    out = run(guard, "The air in here feels stale. ")
    assert spoken(out) == "" and codes(out) == [REPETITION] and guard.stopped == "repetition"
    answer = ReplyGuard(CONTEXT, max_sentences=4, request="why is the tire pressure light on")
    assert spoken(run(answer, "The tire pressure light is on because a tire is low. ")) != ""  # its words, not a copy


def test_a_repeated_word_ngram_across_sentences_stops_the_model():
    text = ("The car is a marvel of modern technology, and it's a testament to human ingenuity. "
            "It's a marvel of modern technology, and it's a testament to human ingenuity.")
    guard = ReplyGuard(CONTEXT, max_sentences=4)
    out = []
    for i in range(0, len(text), 3):
        out += guard.feed(text[i:i + 3])
        if guard.stopped:
            break
    assert spoken(out) == "The car is a marvel of modern technology, and it's a testament to human ingenuity."
    assert guard.stopped == "repetition" and REPETITION in codes(out)
    assert len("".join(v.text for v in out)) < len(text) - 20  # stopped early, mid-sentence


def test_a_loop_without_punctuation_is_cut_where_it_starts_repeating():
    guard = ReplyGuard("", max_sentences=4, ngram=4)
    out = []
    for word in ("go left then right " * 5).split(" "):
        out += guard.feed(word + " ")
        if guard.stopped:
            break
    assert spoken(out + guard.end_round(False)) == "go left then right" and guard.stopped == "repetition"


def test_different_sentences_sharing_short_phrases_are_not_repetition():
    out = run(ReplyGuard("", max_sentences=4), "The museum is open today. The park is open today too. ")
    assert spoken(out) == "The museum is open today. The park is open today too." and not codes(out)


# -- claimed actions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("sentence", [
    "The car is now turning up the volume.", "I've opened the window.", "Setting the temperature to 20.",
    "Sure, turning up the volume.", "I have turned on the AC.", "I'm turning the fan off.",
    "The volume has been increased.", "The AC is now on.", "Okay, done!", "I'll call Mom.",
    "Let me open the window for you.", "The window is opened.", "I just set it to 22 degrees.",
    "The car is turning the fan off.", "I found a cafe nearby.", "Your seat is heating now.",
    "I’ve sent the message to Anna.", "Navigating to the airport.",
])
def test_claims_of_an_action(sentence):
    assert is_claim(sentence), sentence


@pytest.mark.parametrize("sentence", [
    "Shall I open the window?", "I can't open the window while driving.", "I cannot do that.",
    "The capital of France is Paris.", "Would you like me to turn up the volume?",
    "I don't have a tool for that.", "You can open the window with the switch.", "I can help with that.",
    "Paris is a city of lights.", "It is 12 degrees outside.", "Sorry, I couldn't do that.",
])
def test_not_claims(sentence):
    assert not is_claim(sentence), sentence


def test_an_unbacked_claim_is_held_then_dropped_with_what_follows_it():
    guard = ReplyGuard(CONTEXT, max_sentences=4)
    streamed = []
    for piece in ["Sure thing. ", "I've turned up the volume. ", "Enjoy the music. "]:
        streamed += guard.feed(piece)
    assert spoken(streamed) == "Sure thing."  # the claim and what follows it wait for the round's end
    out = guard.end_round(acted=False)
    assert spoken(out) == "" and codes(out) == [UNBACKED_CLAIM, UNBACKED_CLAIM] and guard.unbacked


def test_a_claim_backed_by_a_call_in_the_same_round_is_spoken_after_it():
    guard = ReplyGuard(CONTEXT, max_sentences=4)
    assert guard.feed("Turning up the volume. ") == []  # the call may come after the words
    assert spoken(guard.end_round(acted=True)) == "Turning up the volume."
    assert not guard.unbacked


def test_after_a_successful_call_claims_are_spoken_at_once():
    guard = ReplyGuard(CONTEXT, max_sentences=4)
    guard.end_round(acted=True)  # round 1: a call ran
    assert guard.feed("I've turned up the volume. ") == [Spoken("I've turned up the volume. ")]


# -- tool talk ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("sentence", [
    'You can use the "media_control" tool to resume the music.', '{"name": "x"}', "Call media_volume now.",
    "<tool_call> is how I act.", "Your tool call was rejected: car-fact", "You can use a tool to check the fuel.",
])
def test_tool_names_and_json_are_never_spoken(sentence):
    out = run(ReplyGuard("", max_sentences=3, tool_names=["media_volume"]), sentence)
    assert spoken(out) == "" and codes(out) == [TOOL_TEXT]


# -- command-like utterances -------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "turn the volume up", "please open the window", "can you turn on the seat heating",
    "could you put on something nice to listen to", "I'm cold", "it is way too hot in here",
    "my seat is cold", "the windshield is all fogged up", "Hey cockpit, close all the windows.",
    "I want to go to the airport", "take me home", "call mom", "text Anna that I am late",
    "blow more air", "louder", "I am freezing", "set the fan to three", "warm up my seat",
    "Could you please lower the temperature?", "it's getting stuffy in here", "more air please",
    "I need some fresh air", "I'd like some music",
])
def test_commands(text):
    assert looks_like_command(text), text


@pytest.mark.parametrize("text", [
    "what's the capital of France?", "tell me a joke", "hello", "don't open the window",
    "what's the temperature outside", "is my battery ok", "how much fuel is left", "thank you",
    "who won the world cup", "do not call mom", "why is the sky blue", "what time is it",
    "can you tell me about Paris", "the weather is nice today",
])
def test_not_commands(text):
    assert not looks_like_command(text), text


@pytest.mark.parametrize("text, question", [
    ("what's the temperature set to?", True), ("is my battery ok", True), ("how much fuel is left", True),
    ("tell me about Paris", True), ("it's too hot in here", False), ("turn the volume up", False),
    ("can you open the window?", False), ("the sky is blue", False),
])
def test_questions(text, question):
    assert is_question(text) is question, text


def test_moving_is_read_from_the_context_line_and_unknown_counts_as_moving():
    from datetime import datetime

    from cockpit.brain.context import ContextRenderer
    from cockpit.brain.guards import moving
    from cockpit.vehicle import vss
    from cockpit.vehicle.signals import SignalStore

    store = SignalStore()
    renderer = ContextRenderer(store, clock=lambda: datetime(2025, 5, 15, 8, 30))
    assert moving(renderer.render("exact"))  # no speed at all
    store.set(vss.SPEED, 0.0, source="test")
    assert not moving(renderer.render("exact")) and not moving(renderer.render("coarse"))
    store.set(vss.SPEED, 48.0, source="test")
    assert moving(renderer.render("exact")) and moving(renderer.render("coarse"))
    assert moving("Vehicle: speed unknown, fuel 62%.")


def test_the_prompt_s_example_context_is_caught_too():
    from cockpit.brain.prompt import EXAMPLE_CONTEXT

    facts = ContextFacts.of(f"{CONTEXT}\n{EXAMPLE_CONTEXT}")
    assert facts.echoed("Fuel 40%, battery 90%.") and facts.echoed("Fuel 62%, battery 80%.")
    assert facts.echoed("We are at 52.52000.") and not facts.echoed("Rome is the capital of Italy.")
