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
from cockpit.brain.grammar import ASK
from cockpit.brain.hanzi import TO_SIMPLIFIED
from cockpit.lang.numbers_zh import parse_zh_number, zh_number_words  # noqa: F401  (re-exported)
from cockpit.brain.vocab_zh import SLOTS  # noqa: F401  (re-exported: the grammar module's slots)

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
WIN = "[把] {window:window} [的] " + PANE
THE_WIN = "[把] " + PANE
NEAR = "(附近 | 周边 | 周围 | 最近 | 这附近 | 离我最近)"
FIND_ZH = "(找 | 找一下 | 帮我找 | 搜索 | 搜一下 | 查找 | 查一下 | 有没有) [一个 | 一家 | 个 | 家]"
OPEN_ZH = "(营业 | 开门 | 开着 | 在营业)"
EATERY_ZH = "(餐厅 | 饭店 | 馆子 | 餐馆 | 地方 | 吃的)"
CHECK = "(查看 | 检查 | 看看 | 看一下 | 查一下 | 查询 | 显示)"
_DRIVER = {"window": "driver"}
HEATER = "(座椅加热 | 座位加热 | 加热座椅 | 座椅加温 | 座椅的加热)"
DEFROST = "(除雾 | 除霜 | 去雾)"

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
    ("climate_set_temperature", "[我 | 车里 | 车内] [快 | 都 | 要] 冷死了 [啊]", {"delta": 3}),
    ("climate_set_temperature", "[我 | 车里 | 车内] [快 | 都 | 要] 热死了 [啊]", {"delta": -3}),
    ("climate_set_temperature", "[把] [空调] 温度 稍微 (调高 | 升高 | 提高) [一点 | 一点点]", {"delta": 1}),
    ("climate_set_temperature", "[把] [空调] 温度 稍微 (调低 | 降低) [一点 | 一点点]", {"delta": -1}),
    # climate: fan, AC, defrost, seat heating
    ("climate_set_fan", f"[把] [空调] (风量 | 风速 | 风扇) [{SETTO}] {{level:level}} [档 | 级]", {}),
    ("climate_set_fan", "(关闭 | 关掉 | 关上 | 关) [空调] (风扇 | 风量)", {"level": 0}),
    ("climate_set_fan", "[把] (风扇 | 风量) (关闭 | 关掉 | 关了 | 关上)", {"level": 0}),
    ("climate_set_ac", f"(打开 | 开启 | 开 | 启动) [一下] {AIR}", {"on": True}),
    ("climate_set_ac", f"[把] {AIR} (打开 | 开启 | 开起来 | 开一下)", {"on": True}),
    ("climate_set_ac", f"(关闭 | 关掉 | 关上 | 关 | 停止) [一下] {AIR}", {"on": False}),
    ("climate_set_ac", f"[把] {AIR} (关闭 | 关掉 | 关了 | 关上 | 关一下)", {"on": False}),
    ("climate_set_defrost", f"(打开 | 开启 | 开) [{{window:defrost_glass}}] {DEFROST} | {{window:defrost_glass}} {DEFROST}",
     {"on": True}),
    ("climate_set_defrost", f"(关闭 | 关掉 | 关) [{{window:defrost_glass}}] {DEFROST}", {"on": False}),
    ("seat_heating", f"(打开 | 开启 | 开) [{{seat:seat?}}] [的] {HEATER} | [把] [{{seat:seat?}}] [的] {HEATER} (打开 | 开一下)",
     {"level": 3}),
    ("seat_heating", f"(关闭 | 关掉 | 关) [{{seat:seat?}}] [的] {HEATER} | [把] [{{seat:seat?}}] [的] {HEATER} (关了 | 关掉)",
     {"level": 0}),
    ("seat_heating", f"[把] [{{seat:seat?}}] [的] {HEATER} {SETTO} {{level:heat_level}} [档 | 级]", {}),
    # windows (English: 'open ... a bit' 25, 'halfway' 50, otherwise 100; close 0)
    ("window_set", f"{OPEN} {WIN} {BIT}", {"position": 25}),
    ("window_set", f"{OPEN} {BIT} {THE_WIN}", {**_DRIVER, "position": 25}),
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
    ("media_control", "跳过 (这首 | 这一首) [歌] | (播放 | 放 | 切到) (下一首 | 下一曲)", {"action": "next"}),
    ("media_control", "(播放 | 放 | 切到 | 回到) (上一首 | 上一曲 | 前一首)", {"action": "previous"}),
    ("media_control", "(音乐 | 歌曲 | 歌) {action:media_action}", {}),
    ("media_control", "(放 | 播放) (音乐 | 首歌 | 一首歌) | (继续 | 接着) (放 | 播 | 听)", {"action": "resume"}),
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
    ("media_volume", "[音乐 | 声音] [太 | 有点 | 好] 吵 [了 | 啊]", {"delta": -2}),
    # navigation and calls
    ("navigation_cancel", "(取消 | 停止 | 结束 | 退出 | 关闭 | 关掉) 导航", {}),
    ("phone_call", "(打电话给 | 打给 | 呼叫 | 拨打 | 打个电话给) {contact:contact} | 给 {contact:contact} 打 [个] 电话", {}),
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

PARTIAL_RULES: list[tuple[str, str, dict]] = [
    ("climate_set_temperature", "[把] [空调] 温度 (调一下 | 调整一下 | 改一下 | 设置一下 | 调一调)", {"celsius": ASK}),
    ("climate_set_fan", "(打开 | 开启 | 开) [空调] (风扇 | 风量 | 鼓风机) | [把] (风扇 | 风量) (调大 | 调小 | 开大 | 关小) [一点]",
     {"level": ASK}),
    ("window_set", f"{OPEN} (她的 | 他的 | 一个 | 别的) {PANE}", {"window": ASK, "position": 100}),
    ("navigate_to", "(开始 | 打开 | 启动) 导航 | 导航", {"destination": ASK}),
    ("phone_call", "打 [个] 电话", {"contact": ASK}),
]
"""Commands that never name one argument: always asked back."""

QUESTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("seat_heating", "seat"): ("给您还是副驾打开座椅加热？", "seat_answer"),
    ("seat_heating", "level"): ("调到几档？一到三档。", "heat_level"),
    ("climate_set_temperature", "celsius"): ("温度调到多少度？", "temperature"),
    ("climate_set_fan", "level"): ("风量调到几档？一到十档。", "level"),
    ("media_volume", "level"): ("音量调到多少？零到十。", "level"),
    ("window_set", "window"): ("哪个车窗：您的、副驾的、后排还是全部？", "window_answer"),
    ("navigate_to", "destination"): ("去哪里？", "place"),
    ("phone_call", "contact"): ("打给谁？", "contact"),
}
"""(tool, missing argument) -> (the question, the slot its answer is parsed with), as in English."""

POLITE_PREFIX = "(请 | 请你 | 请帮我 | 帮我 | 帮忙 | 麻烦 | 麻烦你 | 麻烦帮我 | 能不能 | 可以 | 你能 | 给我 | 能 | 你可以 | 可不可以)"
POLITE_SUFFIX = "(吧 | 谢谢 | 谢谢你 | 好吗 | 好不好 | 可以吗 | 行吗 | 吗 | 一下 | 呗)"

# ---------------------------------------------------------------------------------------
# Normalisation and the parser
# ---------------------------------------------------------------------------------------

_WAKE = re.compile(r"^(?:(?:你好|嘿|哈喽|hey|hi|ok|okay)\s*)?cockpit|^小驾")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def normalize_zh(text: str) -> str:
    """Typed or recognised Mandarin -> the grammar's form: NFKC (full-width digits and letters to
    ASCII), traditional characters to simplified (Whisper writes 打開空調), lower case, punctuation (，。！？、 and ASCII) and spaces gone, '℃'/'°C' after a
    number -> '度', a leading wake word (你好cockpit, 嘿cockpit, 小驾) removed. Spaces survive only
    between two Latin letters or digits ('baker street')."""
    t = unicodedata.normalize("NFKC", text).translate(TO_SIMPLIFIED).lower()
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

    def jsgf(self, name: str = "cockpit", wake=None, dialog: bool = False, reject: str = "guards") -> str:
        return self.en.jsgf(name, wake, dialog, reject)

    def vocabulary(self) -> set[str]:
        return self.en.vocabulary()

    @property
    def rules(self) -> list[CompiledRule]:
        return self.en.rules
