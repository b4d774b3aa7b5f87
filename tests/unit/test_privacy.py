"""The privacy filter on everything that leaves the car for a cloud model."""
from __future__ import annotations

import copy
import json
import math

import pydantic
import pytest

from cockpit.brain.privacy import (PrivacyPolicy, PrivacyReport, Redaction, coarsen, filter_payload,
                                   redact_text, vin_check_digit_ok)

POLICY = PrivacyPolicy()

REDACTED = [  # (text, expected text, {kind: count})
    # phones: international
    ("call +49 30 12345678 please", "call [phone] please", {"phone": 1}),
    ("+1 (555) 123-4567", "[phone]", {"phone": 1}),
    ("ring +44 20 7946 0958", "ring [phone]", {"phone": 1}),
    ("+86 138 0013 8000", "[phone]", {"phone": 1}),
    ("+33 6 12 34 56 78", "[phone]", {"phone": 1}),
    ("+49 (0)30 1234567", "[phone]", {"phone": 1}),
    ("dial 0049 89 123456", "dial [phone]", {"phone": 1}),
    # phones: national
    ("555-123-4567 is the office", "[phone] is the office", {"phone": 1}),
    ("(555) 123-4567", "[phone]", {"phone": 1}),
    ("1-800-555-1234", "[phone]", {"phone": 1}),
    ("Handy 0170 1234567", "Handy [phone]", {"phone": 1}),
    ("089/123456", "[phone]", {"phone": 1}),
    ("07700 900123", "[phone]", {"phone": 1}),
    ("01 23 45 67 89", "[phone]", {"phone": 1}),
    ("给13800138000打电话", "给[phone]打电话", {"phone": 1}),
    ("拨打 138-0013-8000", "拨打 [phone]", {"phone": 1}),
    # e-mail
    ("mail anna.schmidt@example.de now", "mail [email] now", {"email": 1}),
    ("a.b+car@mail.co.uk, x_y@host.io", "[email], [email]", {"email": 2}),
    # VINs (North-American with a valid check digit, and a European one)
    ("my VIN is 1HGCM82633A004352", "my VIN is [vin]", {"vin": 1}),
    ("WVWZZZ1JZXW000001.", "[vin].", {"vin": 1}),
    ("vin 1m8gdm9axkp042788", "vin [vin]", {"vin": 1}),
    # plates
    ("parked next to M-AB 1234", "parked next to [plate]", {"plate": 1}),
    ("B-MW 123E", "[plate]", {"plate": 1}),
    ("AB12 CDE and AB12CDE", "[plate] and [plate]", {"plate": 2}),
    ("plate 7ABC123", "plate [plate]", {"plate": 1}),
    ("ABC-1234", "[plate]", {"plate": 1}),
    ("京A12345", "[plate]", {"plate": 1}),
    ("车牌沪B·12345", "车牌[plate]", {"plate": 1}),
    ("粤BD12345", "[plate]", {"plate": 1}),
    # several kinds at once
    ("text 0170 1234567 from bob@x.org about M-AB 1234",
     "text [phone] from [email] about [plate]", {"phone": 1, "email": 1, "plate": 1}),
]

UNCHANGED = [
    "set the temperature to 22 degrees", "route 66", "at 10:30", "5 km", "call mom",
    "volume 7", "the year 2024", "on 2024-01-15", "01.02.2024 10 Uhr", "12/31/2024 5pm",
    "1,234,567 steps", "I-95 north", "A4 exit 12", "flight LH 1234", "USB-C", "MP3",
    "0.5 km", "pressure 2.4 bar", "1 2 3 4 5 6 7 8", "order 12345678", "20.5 degrees at 0830",
    "把温度调到二十二度", "空调 22 度",
]


@pytest.mark.parametrize("text, expected, counts", REDACTED)
def test_identifiers_are_redacted(text, expected, counts):
    assert redact_text(text, POLICY) == (expected, counts)


@pytest.mark.parametrize("text", UNCHANGED)
def test_near_misses_are_untouched(text):
    assert redact_text(text, POLICY) == (text, {})


def test_policy_switches_each_kind_off():
    text = "0170 1234567 bob@x.org M-AB 1234 1HGCM82633A004352"
    off = PrivacyPolicy(redact_phone=False, redact_email=False, redact_plate=False, redact_vin=False)
    assert redact_text(text, off) == (text, {})
    only_email = PrivacyPolicy(redact_phone=False, redact_plate=False, redact_vin=False)
    assert redact_text(text, only_email)[1] == {"email": 1}


def test_policy_is_frozen_and_validated():
    with pytest.raises(pydantic.ValidationError):
        POLICY.redact_phone = False
    with pytest.raises(pydantic.ValidationError):
        PrivacyPolicy(location_precision_km=-1)
    with pytest.raises(pydantic.ValidationError):
        PrivacyPolicy(redact_fax=True)


def test_vin_check_digit():
    assert vin_check_digit_ok("1HGCM82633A004352")
    assert not vin_check_digit_ok("1HGCM82634A004352")
    assert not vin_check_digit_ok("1HGCM82633A00435")


@pytest.mark.parametrize("km", [1.0, 10.0])
def test_coarsen_snaps_to_grid(km):
    lat_step = km / 111.32
    munich = (48.137154, 11.576124)
    lat, lon = coarsen(*munich, km)
    assert abs(lat / lat_step - round(lat / lat_step)) < 1e-4  # on a grid line
    lon_step = km / (111.32 * math.cos(math.radians(lat)))
    assert abs(lon / lon_step - round(lon / lon_step)) < 1e-4
    dy = (lat - munich[0]) * 111.32
    dx = (lon - munich[1]) * 111.32 * math.cos(math.radians(munich[0]))
    assert math.hypot(dx, dy) <= km * 0.75  # within half a diagonal of the cell
    # every point near the node maps to the same node; far points do not
    assert coarsen(lat + 0.3 * lat_step, lon - 0.3 * lon_step, km) == (lat, lon)
    assert coarsen(lat + 1.1 * lat_step, lon, km) != (lat, lon)


def test_coarsen_edges():
    assert coarsen(48.1, 11.5, 0) == (48.1, 11.5)
    lat, lon = coarsen(89.99, 179.999, 10)
    assert -90 <= lat <= 90 and -180 <= lon <= 180
    lat, lon = coarsen(-33.8688, 151.2093, 1)  # southern/eastern hemisphere
    assert abs(lat + 33.8688) < 0.01 and abs(lon - 151.2093) < 0.01


def test_coordinates_in_text_are_coarsened():
    text, counts = redact_text("I am at 48.137154, 11.576124 now", PrivacyPolicy(location_precision_km=10))
    assert counts == {"location": 1}
    lat, lon = coarsen(48.137154, 11.576124, 10)
    assert text == f"I am at {lat:.5f}, {lon:.5f} now"


def _messages():
    args = {"destination": {"lat": 48.137154, "lon": 11.576124, "name": "Marienplatz"},
            "message": "I'll be late, call 0170 1234567", "to": "anna@example.de"}
    return [
        {"role": "system", "content": "You are the car's assistant."},
        {"role": "user", "content": "Navigate home and text Anna, my plate is M-AB 1234"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "navigate_and_text", "arguments": json.dumps(args)}}]},
        {"role": "tool", "tool_call_id": "call_1",
         "content": json.dumps({"vehicle": {"latitude": 48.1372, "longitude": 11.5756, "speed_kmh": 0},
                                "vin": "WVWZZZ1JZXW000001"})},
        {"role": "user", "content": [{"type": "text", "text": "and mail bob@x.org"}]},
    ]


def test_filter_payload_filters_copy_and_reports():
    messages = _messages()
    original = copy.deepcopy(messages)
    out, report = filter_payload(messages, PrivacyPolicy(location_precision_km=1))
    assert messages == original  # input untouched
    assert isinstance(report, PrivacyReport)
    assert report.counts() == {"email": 2, "location": 2, "phone": 1, "plate": 1, "vin": 1}
    assert report.total == 7
    assert all(isinstance(r, Redaction) for r in report.redactions)

    assert out[0] == original[0]
    assert out[1]["content"] == "Navigate home and text Anna, my plate is [plate]"
    args = json.loads(out[2]["tool_calls"][0]["function"]["arguments"])
    assert (args["destination"]["lat"], args["destination"]["lon"]) == coarsen(48.137154, 11.576124, 1)
    assert args["destination"]["name"] == "Marienplatz"
    assert args["message"] == "I'll be late, call [phone]" and args["to"] == "[email]"
    tool = json.loads(out[3]["content"])
    assert (tool["vehicle"]["latitude"], tool["vehicle"]["longitude"]) == coarsen(48.1372, 11.5756, 1)
    assert tool["vehicle"]["speed_kmh"] == 0 and tool["vin"] == "[vin]"
    assert out[4]["content"][0]["text"] == "and mail [email]"


def test_filter_payload_with_nothing_to_do():
    messages = [{"role": "user", "content": "set the temperature to 22 degrees"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function",
                 "function": {"name": "set_temperature", "arguments": '{"celsius":22}'}}]}]
    out, report = filter_payload(messages, POLICY)  # JSON arguments kept byte for byte
    assert out == messages and out is not messages
    assert report.redactions == () and report.total == 0


def test_filter_payload_coarsening_can_be_off():
    out, report = filter_payload(_messages(), PrivacyPolicy(location_precision_km=0))
    args = json.loads(out[2]["tool_calls"][0]["function"]["arguments"])
    assert args["destination"]["lat"] == 48.137154
    assert "location" not in report.counts()
