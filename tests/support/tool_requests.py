"""In-domain requests and the tool each one needs: the set the local tier's tool selection is
measured on (real SmolLM2 in tests/real/test_real_llm.py; the Qwen fixture, for wiring only, in
tests/engines/test_llm_guards.py). None of them is a worked example of the prompt (brain/prompt.py;
tests/unit/test_prompt.py checks)."""

ACCURACY = [  # (what the driver says, the tool that does it) - the model's choice, measured even where the
    # fast path's grammar (issue 17) now parses the words too ("turn the volume up")
    ("it is way too hot in here", "climate_set_temperature"),
    ("turn the volume up", "media_volume"),
    ("the windshield is all fogged up", "climate_set_defrost"),
    ("my seat is cold", "seat_heating"),
    ("find me a coffee place", "find_nearby"),
    ("call mom", "phone_call"),
    ("blow more air", "climate_set_fan"),
    ("stop the navigation", "navigation_cancel"),
    ("put the window down", "window_set"),
    ("hold the music for a moment", "media_control"),
    ("I want to go to the airport", "navigate_to"),
    ("is my battery ok", "vehicle_status"),
    ("cool the car down with the AC", "climate_set_ac"),
    ("text Anna that I am late", "send_message"),
    ("buy me a latte at Bean There", "place_order"),
]
HELD_OUT = [  # written after the first measurement, to check that a prompt change is not fitted to ACCURACY
    ("make it a bit warmer in here", "climate_set_temperature"), ("I'm freezing", "climate_set_temperature"),
    ("crank up the fan", "climate_set_fan"), ("the fan is too loud, slow it down", "climate_set_fan"),
    ("switch off the air conditioning", "climate_set_ac"), ("I'd like the AC on", "climate_set_ac"),
    ("clear the rear window", "climate_set_defrost"),
    ("I can't see through the windscreen, it's misted", "climate_set_defrost"),
    ("warm up my seat", "seat_heating"), ("heat the passenger seat", "seat_heating"),
    ("open the passenger window", "window_set"), ("close all the windows", "window_set"),
    ("skip this song", "media_control"), ("play the previous track", "media_control"),
    ("it's too loud", "media_volume"), ("mute the music", "media_volume"),
    ("take me home", "navigate_to"), ("drive to the central station", "navigate_to"),
    ("cancel the route", "navigation_cancel"), ("I don't need directions anymore", "navigation_cancel"),
    ("where can I charge the car", "find_nearby"), ("is there a vegan restaurant nearby", "find_nearby"),
    ("what's on my left", "whats_around"), ("what is that building ahead", "whats_around"),
    ("how much fuel do I have", "vehicle_status"), ("what are my tire pressures", "vehicle_status"),
    ("get me a large cappuccino from Bean There", "place_order"), ("pay for 40 kWh at IONITY", "pay_charging"),
    ("pay for two hours of parking in zone 4", "pay_parking"), ("ring the office", "phone_call"),
    ("send a message to Tom saying see you soon", "send_message"),
]
