"""Mandarin fast path: same tool calls as English for the same intents."""
import pytest

from cockpit.brain.commands_zh import (BilingualFastPath, fastpath_zh, is_mandarin, normalize_zh,
                                       parse_zh_number, zh_number_words)
from cockpit.brain.fastpath import FastPath

EN = FastPath()
ZH = fastpath_zh()

TABLE = [
    ("把温度调到二十二度", "climate_set_temperature", {"celsius": 22}),
    ("温度调到22度", "climate_set_temperature", {"celsius": 22}),
    ("温度设为二十二度", "climate_set_temperature", {"celsius": 22}),
    ("温度调到二十二点五度", "climate_set_temperature", {"celsius": 22.5}),
    ("温度调到２２℃", "climate_set_temperature", {"celsius": 22}),
    ("调到十六度", "climate_set_temperature", {"celsius": 16}),
    ("有点冷", "climate_set_temperature", {"delta": 2}),
    ("调高一点温度", "climate_set_temperature", {"delta": 2}),
    ("暖和一点", "climate_set_temperature", {"delta": 2}),
    ("太热了", "climate_set_temperature", {"delta": -2}),
    ("凉快一点", "climate_set_temperature", {"delta": -2}),
    ("副驾驶温度调到二十度", "climate_set_temperature", {"zone": "passenger", "celsius": 20}),
    ("主驾温度设为三十度", "climate_set_temperature", {"zone": "driver", "celsius": 30}),
    ("风量调到三档", "climate_set_fan", {"level": 3}),
    ("风量调到两档", "climate_set_fan", {"level": 2}),
    ("风速调到最大", "climate_set_fan", {"level": 10}),
    ("打开空调", "climate_set_ac", {"on": True}),
    ("关闭空调", "climate_set_ac", {"on": False}),
    ("你好cockpit，打开空调！", "climate_set_ac", {"on": True}),
    ("打开车窗", "window_set", {"window": "driver", "position": 100}),
    ("打开车窗一点", "window_set", {"window": "driver", "position": 25}),
    ("打开主驾车窗一点", "window_set", {"window": "driver", "position": 25}),
    ("关闭所有车窗", "window_set", {"window": "all", "position": 0}),
    ("副驾车窗打开一半", "window_set", {"window": "passenger", "position": 50}),
    ("左后车窗开到百分之四十", "window_set", {"window": "rear_left", "position": 40}),
    ("暂停音乐", "media_control", {"action": "pause"}),
    ("播放", "media_control", {"action": "resume"}),
    ("继续播放", "media_control", {"action": "resume"}),
    ("小驾，下一首。", "media_control", {"action": "next"}),
    ("上一首", "media_control", {"action": "previous"}),
    ("音量调到五", "media_volume", {"level": 5}),
    ("音量调小一点", "media_volume", {"delta": -2}),
    ("音量调大一点", "media_volume", {"delta": 2}),
    ("静音", "media_volume", {"mute": True}),
    ("取消静音", "media_volume", {"mute": False}),
    ("导航回家", "navigate_to", {"destination": "home"}),
    ("导航到公司", "navigate_to", {"destination": "work"}),
    ("导航去机场", "navigate_to", {"destination": "airport"}),
    ("导航到天安门", "navigate_to", {"destination": "天安门"}),
    ("附近的加油站", "find_nearby", {"category": "fuel"}),
    ("找一个充电站", "find_nearby", {"category": "charging"}),
    ("附近有咖啡店吗", "find_nearby", {"category": "cafe"}),
    ("还有多少油", "vehicle_status", {"item": "fuel"}),
    ("续航还有多少", "vehicle_status", {"item": "range"}),
    ("胎压怎么样", "vehicle_status", {"item": "tire_pressure"}),
    ("请打开空调，谢谢", "climate_set_ac", {"on": True}),
]


@pytest.mark.parametrize("text,tool,args", TABLE)
def test_mandarin_table(text, tool, args):
    match = ZH.parse(text)
    assert match is not None, text
    assert match.call.name == tool
    assert dict(match.call.arguments) == args


PAIRS = [
    ("set the temperature to 22 degrees", "把温度调到二十二度"),
    ("set the temperature to 22.5", "温度调到二十二点五度"),
    ("set the passenger temperature to twenty degrees", "副驾驶温度调到二十度"),
    ("I'm cold", "有点冷"),
    ("make it warmer", "暖和一点"),
    ("it's too hot in here", "太热了"),
    ("make it cooler", "凉快一点"),
    ("set the fan speed to three", "风量调到三档"),
    ("fan to max", "风量调到最大"),
    ("turn on the AC", "打开空调"),
    ("switch off the air conditioning", "关闭空调"),
    ("open my window", "打开车窗"),
    ("open my window a bit", "打开主驾车窗一点"),
    ("open the passenger window halfway", "副驾车窗打开一半"),
    ("close all the windows", "关闭所有车窗"),
    ("open all the windows", "打开所有车窗"),
    ("set the rear left window to 40 percent", "左后车窗开到百分之四十"),
    ("close the window", "关上车窗"),
    ("pause the music", "暂停音乐"),
    ("resume", "继续播放"),
    ("next track", "下一首"),
    ("previous track", "上一首"),
    ("set the volume to five", "音量调到五"),
    ("turn it down", "音量调小一点"),
    ("louder please", "音量调大一点"),
    ("mute", "静音"),
    ("unmute", "取消静音"),
    ("take me home", "导航回家"),
    ("navigate to work", "导航到公司"),
    ("navigate to the airport", "导航去机场"),
    ("find the nearest gas station", "附近的加油站"),
    ("find a charging station", "找一个充电站"),
    ("is there a coffee shop nearby", "附近有咖啡店吗"),
    ("how much fuel do I have left", "还有多少油"),
    ("what's the range", "续航还有多少"),
    ("how far can I go", "还能开多远"),
    ("check the tyre pressure", "胎压怎么样"),
    ("what is the battery level", "还有多少电"),
]


@pytest.mark.parametrize("en,zh", PAIRS)
def test_english_and_mandarin_agree(en, zh):
    a, b = EN.parse(en), ZH.parse(zh)
    assert a is not None, en
    assert b is not None, zh
    assert (a.call.name, dict(a.call.arguments)) == (b.call.name, dict(b.call.arguments))
    assert a.call == b.call


@pytest.mark.parametrize("text", ["今天天气怎么样", "讲个笑话", "你叫什么名字", "我今天很开心",
                                  "温度", "音量", "打开", "", "，。！"])
def test_chitchat_does_not_match(text):
    assert ZH.parse(text) is None


NUMBERS = [
    ("零", 0), ("一", 1), ("两", 2), ("二", 2), ("十", 10), ("十五", 15), ("二十", 20),
    ("二十二", 22), ("三十", 30), ("九十九", 99), ("一百", 100), ("一百零五", 105),
    ("一百一十", 110), ("一百二", 120), ("两百", 200), ("二十二点五", 22.5), ("零点五", 0.5),
    ("十六点五", 16.5), ("22", 22), ("22.5", 22.5), ("２２", 22),
]


@pytest.mark.parametrize("text,value", NUMBERS)
def test_chinese_numbers(text, value):
    got = parse_zh_number(normalize_zh(text))
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", ["", "二二", "十十", "百", "点五", "二十点", "abc", "十百"])
def test_chinese_numbers_reject(text):
    with pytest.raises(ValueError):
        parse_zh_number(text)


def test_number_words_round_trip():
    for n in range(0, 1000):
        assert parse_zh_number(zh_number_words(n)) == n


def test_temperatures_and_percents_in_words():
    for n in range(16, 31):
        m = ZH.parse(f"温度调到{zh_number_words(n)}度")
        assert m is not None and m.call.arguments["celsius"] == n
    for n in range(0, 101):
        m = ZH.parse(f"副驾车窗开到百分之{zh_number_words(n)}")
        assert m is not None and dict(m.call.arguments) == {"window": "passenger", "position": n}
    for n in range(1, 11):
        m = ZH.parse(f"风量调到{zh_number_words(n)}档")
        assert m is not None and m.call.arguments["level"] == n


def test_normalize_zh():
    assert normalize_zh("你好cockpit，把温度调到２２度。") == "把温度调到22度"
    assert normalize_zh("嘿 Cockpit 打开 空调！") == "打开空调"
    assert normalize_zh("小驾、下一首？") == "下一首"
    assert normalize_zh("温度调到22.5度.") == "温度调到22.5度"
    assert normalize_zh("导航到 Baker Street") == "导航到baker street"


def test_bilingual_routes_by_script():
    both = BilingualFastPath()
    assert is_mandarin("打开空调") and not is_mandarin("turn on the AC")
    assert both.parse("打开空调").call == both.parse("turn on the AC").call
    assert both.jsgf() == EN.jsgf()


def test_mandarin_jsgf_builds():
    text = ZH.jsgf()
    assert text.startswith("#JSGF V1.0;") and "<command>" in text
