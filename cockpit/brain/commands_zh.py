"""The Mandarin vehicle-command grammar: same tools, same argument values as :mod:`commands_en`.

Each rule is (tool name, pattern, fixed arguments), compiled in Mandarin mode
(``Compiler(slots, joiner="")``: characters joined with optional whitespace). Every slot
value and fixed argument is exactly what the English grammar produces for the same intent,
so a Mandarin request and its English translation yield identical :class:`ToolCall` s.

Public API: :data:`SLOTS`, :data:`RULES`, :data:`POLITE_PREFIX`, :data:`POLITE_SUFFIX`,
:func:`normalize_zh`, :func:`is_mandarin`, (re-exported from :mod:`numbers_zh`: :func:`parse_zh_number`,
:func:`zh_number_words`),
:class:`FastPathZh`, :func:`fastpath_zh` and :class:`BilingualFastPath`.
"""
from __future__ import annotations

import re
import sys
import unicodedata

from cockpit.brain.fastpath import CompiledRule, FastPath, Match
from cockpit.brain.grammar import SlotType
from cockpit.brain.numbers_zh import parse_zh_number, zh_number_words

def _vocab(lo: int, hi: int) -> dict[str, object]:
    return {zh_number_words(n): n for n in range(lo, hi + 1)}


def _convert_number(text: str) -> float | int:
    return parse_zh_number(text)


def _free_text(text: str) -> str:
    return text.strip()


_NUM_ZH = r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+(?:点[零〇一二两三四五六七八九]+)?"
_INT_ZH = r"\d+|[零〇一二两三四五六七八九十百千]+"

# ---------------------------------------------------------------------------------------
# Slots: phrase -> the value the English grammar produces
# ---------------------------------------------------------------------------------------

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
    }, r"\S.*?", _free_text),
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
}

# ---------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------

SETTO = "(调到 | 调成 | 调为 | 调至 | 设为 | 设成 | 设到 | 设置为 | 设置成 | 设置到 | 设定为 | 设定到 | 改成 | 改为 | 改到 | 开到)"
DEG = "[度 | 摄氏度]"
BIT = "(一点 | 一点点 | 一些 | 一条缝 | 一小点 | 点 | 条缝)"
MORE = "[一点 | 一些 | 一下 | 点 | 一点点]"
AIR = "(空调 | 冷气 | ac)"
OPEN = "(打开 | 开 | 开启 | 降下 | 摇下 | 放下)"
CLOSE = "(关闭 | 关上 | 关掉 | 关 | 升起 | 摇上 | 关好)"
PANE = "(车窗 | 窗户 | 窗子 | 窗)"
WIN = "[把] {window:window} " + PANE
THE_WIN = "[把] " + PANE
NEAR = "(附近 | 周边 | 周围 | 最近 | 这附近 | 离我最近)"
FIND_ZH = "(找 | 找一下 | 帮我找 | 搜索 | 搜一下 | 查找 | 查一下 | 有没有) [一个 | 一家 | 个 | 家]"
OPEN_ZH = "(营业 | 开门 | 开着 | 在营业)"
EATERY_ZH = "(餐厅 | 饭店 | 馆子 | 餐馆 | 地方 | 吃的)"
CHECK = "(查看 | 检查 | 看看 | 看一下 | 查一下 | 查询 | 显示)"
_DRIVER = {"window": "driver"}

RULES: list[tuple[str, str, dict]] = [
    # climate: temperature
    ("climate_set_temperature", f"[把] [空调] 温度 [给我] {SETTO} {{celsius:temperature}} {DEG}", {}),
    ("climate_set_temperature", f"[把] {{zone:zone}} [的] [空调] 温度 [给我] {SETTO} {{celsius:temperature}} {DEG}", {}),
    ("climate_set_temperature", f"[空调] {SETTO} {{celsius:temperature}} (度 | 摄氏度)", {}),
    ("climate_set_temperature", "[我 | 车里 | 车里面 | 车内] [觉得] [有点 | 有一点 | 有些 | 好 | 太 | 很 | 挺 | 真 | 非常] 冷 [了 | 啊]", {"delta": 2}),
    ("climate_set_temperature", "(暖和 | 暖 | 热) (一点 | 一些 | 点)", {"delta": 2}),
    ("climate_set_temperature", f"(调高 | 升高 | 提高 | 加高) {MORE} [空调] 温度", {"delta": 2}),
    ("climate_set_temperature", f"[把] [空调] 温度 (调高 | 升高 | 提高 | 加高 | 高) {MORE}", {"delta": 2}),
    ("climate_set_temperature", "[我 | 车里 | 车里面 | 车内] [觉得] [有点 | 有一点 | 有些 | 好 | 太 | 很 | 挺 | 真 | 非常] 热 [了 | 啊]", {"delta": -2}),
    ("climate_set_temperature", "(凉快 | 凉 | 冷) (一点 | 一些 | 点)", {"delta": -2}),
    ("climate_set_temperature", f"(调低 | 降低 | 减低) {MORE} [空调] 温度", {"delta": -2}),
    ("climate_set_temperature", f"[把] [空调] 温度 (调低 | 降低 | 减低 | 低) {MORE}", {"delta": -2}),
    # climate: fan and AC
    ("climate_set_fan", f"[把] [空调] (风量 | 风速 | 风扇) [{SETTO}] {{level:level}} [档 | 级]", {}),
    ("climate_set_fan", "(关闭 | 关掉 | 关上 | 关) [空调] (风扇 | 风量)", {"level": 0}),
    ("climate_set_fan", "[把] (风扇 | 风量) (关闭 | 关掉 | 关了 | 关上)", {"level": 0}),
    ("climate_set_ac", f"(打开 | 开启 | 开 | 启动) [一下] {AIR}", {"on": True}),
    ("climate_set_ac", f"[把] {AIR} (打开 | 开启 | 开起来 | 开一下)", {"on": True}),
    ("climate_set_ac", f"(关闭 | 关掉 | 关上 | 关 | 停止) [一下] {AIR}", {"on": False}),
    ("climate_set_ac", f"[把] {AIR} (关闭 | 关掉 | 关了 | 关上 | 关一下)", {"on": False}),
    # windows (English: 'open ... a bit' 25, 'halfway' 50, otherwise 100; close 0)
    ("window_set", f"{OPEN} {WIN} {BIT}", {"position": 25}),
    ("window_set", f"{WIN} {OPEN} {BIT}", {"position": 25}),
    ("window_set", f"{OPEN} {BIT} {WIN}", {"position": 25}),
    ("window_set", f"{OPEN} {WIN} 一半", {"position": 50}),
    ("window_set", f"{WIN} {OPEN} 一半", {"position": 50}),
    ("window_set", f"{OPEN} {WIN} [全部 | 完全 | 到底 | 全开]", {"position": 100}),
    ("window_set", f"{WIN} [全部 | 完全 | 全] {OPEN} [到底]", {"position": 100}),
    ("window_set", f"{CLOSE} {WIN}", {"position": 0}),
    ("window_set", f"{WIN} [全部 | 都] {CLOSE}", {"position": 0}),
    ("window_set", f"{WIN} {SETTO} [百分之] {{position:percent}} [% | 百分比]", {}),
    ("window_set", f"{OPEN} {THE_WIN} {BIT}", {**_DRIVER, "position": 25}),
    ("window_set", f"{THE_WIN} {OPEN} {BIT}", {**_DRIVER, "position": 25}),
    ("window_set", f"{OPEN} {THE_WIN} 一半", {**_DRIVER, "position": 50}),
    ("window_set", f"{THE_WIN} {OPEN} 一半", {**_DRIVER, "position": 50}),
    ("window_set", f"{OPEN} {THE_WIN} [完全 | 到底 | 全开]", {**_DRIVER, "position": 100}),
    ("window_set", f"{THE_WIN} [完全] {OPEN} [到底]", {**_DRIVER, "position": 100}),
    ("window_set", f"{CLOSE} {THE_WIN}", {**_DRIVER, "position": 0}),
    ("window_set", f"{THE_WIN} {CLOSE}", {**_DRIVER, "position": 0}),
    ("window_set", f"{THE_WIN} {SETTO} [百分之] {{position:percent}} [% | 百分比]", dict(_DRIVER)),
    # media
    ("media_control", "{action:media_action} [一下] [音乐 | 歌曲 | 歌 | 播放 | 电台 | 媒体]", {}),
    ("media_control", "(音乐 | 歌曲 | 歌) {action:media_action}", {}),
    ("media_control", "(放 | 播放) (音乐 | 首歌 | 一首歌)", {"action": "resume"}),
    ("media_control", "(换 | 切) (一首 | 首) [歌]", {"action": "next"}),
    ("media_volume", f"[把] (音量 | 声音) [{SETTO}] {{level:level}} [档 | 级 | 格]", {}),
    ("media_volume", f"[把] (音量 | 声音) (调大 | 调高 | 开大 | 大 | 加大 | 提高 | 增大) {MORE}", {"delta": 2}),
    ("media_volume", f"(调大 | 调高 | 开大 | 加大 | 提高 | 增大) {MORE} (音量 | 声音)", {"delta": 2}),
    ("media_volume", "大声 [一点 | 点 | 些]", {"delta": 2}),
    ("media_volume", f"[把] (音量 | 声音) (调小 | 调低 | 关小 | 小 | 减小 | 降低) {MORE}", {"delta": -2}),
    ("media_volume", f"(调小 | 调低 | 关小 | 减小 | 降低) {MORE} (音量 | 声音)", {"delta": -2}),
    ("media_volume", "小声 [一点 | 点 | 些]", {"delta": -2}),
    ("media_volume", "[开启 | 打开] 静音", {"mute": True}),
    ("media_volume", "(取消 | 关闭 | 解除) 静音", {"mute": False}),
    # navigation
    ("navigate_to", "[导航 | 带我 | 开车 | 我要 | 我想] (回家 | 到家)", {"destination": "home"}),
    ("navigate_to", "(导航到 | 导航去 | 导航至 | 带我去 | 带我到 | 开车去 | 我要去 | 我想去 | 前往 | 导航 | 去) {destination:place}", {}),
    ("find_nearby", f"{NEAR} [的] {{category:category}} [在哪 | 在哪里 | 在哪儿]", {}),
    ("find_nearby", f"(找 | 找一下 | 帮我找 | 搜索 | 搜一下 | 查找 | 查一下 | 显示) [一个 | 一家 | 个 | 家] [{NEAR}] [的] {{category:category}}", {}),
    ("find_nearby", f"{NEAR} 有 [没有] [一个 | 个 | 家] {{category:category}} [吗]", {}),
    ("find_nearby", "我 (要 | 想 | 需要) [找] [一个 | 个 | 家] {category:category}", {}),
    ("find_nearby", f"{FIND_ZH} [{NEAR}] [现在] {OPEN_ZH} 的 {{category:category}}", {"open_now": True}),
    ("find_nearby", f"{FIND_ZH} [{NEAR}] [现在] {OPEN_ZH} 的 {{diet:diet}} {EATERY_ZH}",
     {"category": "restaurant", "open_now": True}),
    ("find_nearby", f"{FIND_ZH} [{NEAR}] [的] {{diet:diet}} {EATERY_ZH}", {"category": "restaurant"}),
    # what the driver sees
    ("whats_around", "[我] [的] {side:side} [的 | 那个 | 这个 | 那栋 | 那座] (是 | 是个 | 有) (什么 | 啥) [地方 | 建筑 | 东西]", {}),
    ("whats_around", "[我] (前面 | 前方) [的 | 那个 | 这个] (是 | 是个 | 有) (什么 | 啥) [地方 | 建筑 | 东西]", {"side": "ahead"}),
    ("whats_around", "(附近 | 周围 | 周边) (有 | 是) (什么 | 啥) [地方 | 建筑]", {"side": "around"}),
    # vehicle status
    ("vehicle_status", "[还] (有 | 剩) 多少 {item:status_item}", {}),
    ("vehicle_status", f"[{CHECK}] [一下] [现在] [的] {{item:status_item}} [还有 | 还剩 | 是 | 有] (多少 | 怎么样 | 如何 | 正常吗)", {}),
    ("vehicle_status", f"{CHECK} [一下] {{item:status_item}}", {}),
    ("vehicle_status", "还能 (开 | 跑 | 走) 多远", {"item": "range"}),
    ("vehicle_status", "[我] [现在] (开 | 跑) (多快 | 多少码)", {"item": "speed"}),
]

POLITE_PREFIX = "(请 | 请你 | 请帮我 | 帮我 | 帮忙 | 麻烦 | 麻烦你 | 麻烦帮我 | 能不能 | 可以 | 你能 | 给我)"
POLITE_SUFFIX = "(吧 | 谢谢 | 谢谢你 | 好吗 | 好不好 | 可以吗 | 行吗)"

# ---------------------------------------------------------------------------------------
# Normalisation and the parser
# ---------------------------------------------------------------------------------------

_WAKE = re.compile(r"^(?:(?:你好|嘿|哈喽|hey|hi|ok|okay)\s*)?cockpit|^小驾")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def normalize_zh(text: str) -> str:
    """Typed or recognised Mandarin -> the grammar's form: NFKC (full-width digits and letters to
    ASCII), lower case, punctuation (，。！？、 and ASCII) and spaces gone, '℃'/'°C' after a
    number -> '度', a leading wake word (你好cockpit, 嘿cockpit, 小驾) removed. Spaces survive only
    between two Latin letters or digits ('baker street')."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"(\d)\s*(?:°\s*c|℃|°)", r"\1度", t)
    t = re.sub(r"[^\w\s.%]", " ", t)
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", t)  # keep decimal points only
    t = " ".join(t.split())
    t = re.sub(r"(?<=[^a-z0-9]) | (?=[^a-z0-9])", "", t)
    t = _WAKE.sub("", t).strip()
    return t


def is_mandarin(text: str) -> bool:
    """True when the text contains any CJK ideograph (the script test for language routing)."""
    return _CJK.search(text) is not None


class FastPathZh(FastPath):
    """:class:`FastPath` over the Mandarin grammar: joiner '' and :func:`normalize_zh`.

    Only the two hard-wired English choices of the base class differ (compiler joiner and
    normaliser); ``jsgf`` and ``vocabulary`` are inherited unchanged."""

    joiner = ""
    grammar = sys.modules[__name__]

    @staticmethod
    def normalize(text: str) -> str:
        return normalize_zh(text)


def fastpath_zh() -> FastPathZh:
    """The Mandarin fast path (a drop-in for :class:`FastPath`)."""
    return FastPathZh()


class BilingualFastPath:
    """Routes ``parse`` by script: any CJK ideograph -> Mandarin, else English.

    ``jsgf`` and ``vocabulary`` stay English (the offline recogniser is the English model)."""

    def __init__(self, en: FastPath | None = None, zh: FastPathZh | None = None):
        self.en = en or FastPath()
        self.zh = zh or FastPathZh()

    def parse(self, text: str) -> Match | None:
        return (self.zh if is_mandarin(text) else self.en).parse(text)

    def jsgf(self, name: str = "cockpit", wake: str | None = None, dialog: bool = False) -> str:
        return self.en.jsgf(name, wake, dialog)

    def vocabulary(self) -> set[str]:
        return self.en.vocabulary()

    @property
    def rules(self) -> list[CompiledRule]:
        return self.en.rules
