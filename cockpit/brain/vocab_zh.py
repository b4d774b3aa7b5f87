"""The Mandarin grammar's slot vocabularies: phrase -> the value the English grammar produces.

Kept apart from the rules (:mod:`commands_zh`) as :mod:`vocab_en` is from :mod:`commands_en`.
"""
from __future__ import annotations

from cockpit.brain.grammar import SlotType
from cockpit.brain.vocab_time import TIME_ZH
from cockpit.lang.numbers_zh import parse_zh_number, zh_number_words


def _vocab(lo: int, hi: int) -> dict[str, object]:
    return {zh_number_words(n): n for n in range(lo, hi + 1)}


def _convert_number(text: str) -> float | int:
    return parse_zh_number(text)


def _free_text(text: str) -> str:
    return text.strip()


_NUM_ZH = r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+(?:点[零〇一二两三四五六七八九]+)?"
_INT_ZH = r"\d+|[零〇一二两三四五六七八九十百千]+"

_TEMPERATURE = {**_vocab(10, 35), **{zh_number_words(n) + "点五": n + 0.5 for n in range(10, 35)}}

SLOTS: dict[str, SlotType] = {
    "temperature": SlotType("temperature", _TEMPERATURE, _NUM_ZH, _convert_number),
    "percent": SlotType("percent", {**_vocab(0, 100), "一半": 50, "半": 50}, _NUM_ZH, _convert_number),
    "level": SlotType("level", {**_vocab(0, 10), "两": 2, "最大": 10, "最高": 10, "最小": 1,
                                "最低": 1, "低": 2, "中": 5, "高": 8}, _INT_ZH, _convert_number),
    "window": SlotType("window", {
        "主驾": "driver", "主驾驶": "driver", "主驾驶座": "driver", "主驾驶位": "driver",
        "驾驶座": "driver", "驾驶位": "driver", "驾驶员": "driver", "司机": "driver",
        "我的": "driver", "我这边": "driver", "左前": "driver",
        "副驾": "passenger", "副驾驶": "passenger", "副驾驶座": "passenger", "副驾驶位": "passenger",
        "乘客": "passenger", "右前": "passenger",
        "左后": "rear_left", "后排左": "rear_left", "后排左侧": "rear_left", "左后方": "rear_left",
        "右后": "rear_right", "后排右": "rear_right", "后排右侧": "rear_right", "右后方": "rear_right",
        "后排": "rear", "后面": "rear", "后面的": "rear", "后": "rear",
        "所有": "all", "所有的": "all", "全部": "all", "全部的": "all", "四个": "all",
    }),
    "zone": SlotType("zone", {
        "主驾": "driver", "主驾驶": "driver", "主驾驶座": "driver", "主驾驶位": "driver",
        "驾驶座": "driver", "驾驶位": "driver", "驾驶员": "driver", "司机": "driver", "我这边": "driver",
        "副驾": "passenger", "副驾驶": "passenger", "副驾驶座": "passenger", "副驾驶位": "passenger",
        "副驾座": "passenger", "乘客": "passenger",
    }),
    "media_action": SlotType("media_action", {
        "暂停": "pause", "停止": "pause", "停止播放": "pause", "暂停播放": "pause",
        "播放": "resume", "继续": "resume", "继续播放": "resume", "恢复": "resume",
        "恢复播放": "resume", "开始播放": "resume",
        "下一首": "next", "下一曲": "next", "下一个": "next", "切歌": "next", "换一首": "next",
        "跳过": "next", "上一首": "previous", "上一曲": "previous", "上一个": "previous",
    }),
    "place": SlotType("place", {
        "家": "home", "家里": "home", "公司": "work", "单位": "work", "办公室": "work",
        "机场": "airport", "火车站": "train station", "高铁站": "train station", "车站": "train station",
        "市中心": "downtown", "市区": "downtown", "医院": "hospital",
    }, r"\S.*?", _free_text, open_text=True),
    "diet": SlotType("diet", {"素食": "vegetarian", "素": "vegetarian", "吃素": "vegetarian", "纯素": "vegan",
                              "清真": "halal", "无麸质": "gluten_free"}),
    "side": SlotType("side", {"右边": "right", "右侧": "right", "右手边": "right",
                              "左边": "left", "左侧": "left", "左手边": "left"}),
    "category": SlotType("category", {
        "加油站": "fuel", "加油": "fuel",
        "充电站": "charging", "充电桩": "charging", "充电": "charging",
        "咖啡店": "cafe", "咖啡馆": "cafe", "咖啡厅": "cafe", "咖啡": "cafe",
        "停车场": "parking", "停车位": "parking", "停车": "parking",
        "餐厅": "restaurant", "饭店": "restaurant", "餐馆": "restaurant", "吃饭的地方": "restaurant",
        "酒店": "hotel", "宾馆": "hotel", "旅馆": "hotel",
        "医院": "hospital", "药店": "pharmacy", "药房": "pharmacy", "超市": "supermarket",
        "厕所": "toilets", "洗手间": "toilets", "卫生间": "toilets",
    }),
    "status_item": SlotType("status_item", {
        "油": "fuel", "油量": "fuel", "汽油": "fuel", "油箱": "fuel",
        "电": "battery", "电量": "battery", "电池": "battery", "电池电量": "battery",
        "续航": "range", "续航里程": "range", "剩余里程": "range",
        "胎压": "tire_pressure", "轮胎气压": "tire_pressure", "轮胎压力": "tire_pressure",
        "车速": "speed", "速度": "speed",
        "车外温度": "outside_temperature", "外面温度": "outside_temperature",
        "室外温度": "outside_temperature", "外面的温度": "outside_temperature",
    }),
    "heat_level": SlotType("heat_level", {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "低": 1, "中": 2, "高": 3,
                                          "最高": 3, "最大": 3, "关": 0}, r"[0-3]", _convert_number),
    "seat": SlotType("seat", {"我的": "driver", "我": "driver", "主驾": "driver", "主驾驶": "driver", "驾驶座": "driver",
                              "驾驶位": "driver", "司机": "driver", "副驾": "passenger", "副驾驶": "passenger",
                              "乘客": "passenger", "副驾驶座": "passenger"}),
    "seat_answer": SlotType("seat_answer", {"我": "driver", "我的": "driver", "给我": "driver", "主驾": "driver",
                                            "主驾驶": "driver", "司机": "driver", "驾驶座": "driver", "我这边": "driver",
                                            "副驾": "passenger", "副驾驶": "passenger", "乘客": "passenger",
                                            "副驾驶座": "passenger", "她": "passenger", "他": "passenger"}),
    "window_answer": SlotType("window_answer", {"我的": "driver", "我这边": "driver", "主驾": "driver", "主驾驶": "driver",
                                                "副驾": "passenger", "副驾驶": "passenger", "后排": "rear", "后面": "rear",
                                                "全部": "all", "所有": "all", "都": "all", "左后": "rear_left",
                                                "右后": "rear_right"}),
    "defrost_glass": SlotType("defrost_glass", {"前挡": "front", "前挡风玻璃": "front", "前风挡": "front", "挡风玻璃": "front",
                                                "前": "front", "后挡": "rear", "后挡风玻璃": "rear", "后风挡": "rear",
                                                "后": "rear", "后窗": "rear"}),
    "contact": SlotType("contact", {"妈妈": "Mom", "妈": "Mom", "我妈": "Mom", "老妈": "Mom", "爸爸": "Dad", "爸": "Dad",
                                    "我爸": "Dad", "老爸": "Dad", "公司": "Office", "办公室": "Office", "安娜": "Anna",
                                    "道路救援": "Roadside Assistance"}),
    **TIME_ZH,  # timers and reminders (cockpit/skills/builtin/timers.py)
}
