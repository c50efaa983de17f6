"""Fictional Chinese names for demo data: places, staff, residents, phones, teams."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import polars as pl


def _words(*lines: str) -> tuple[str, ...]:
    """The space-separated words of ``lines`` (keeps long name tables compact)."""
    return tuple(" ".join(lines).split())


# The demo district and its streets. Invented names; the county code 330199 is not in use.
DISTRICT_CODE: Final = "330199"
DISTRICT_NAME: Final = "钱湾区"
CITY_DISTRICTS: Final = (
    ("330191", "钱湾区"),
    ("330192", "澜溪区"),
    ("330193", "云岸区"),
    ("330194", "东沙区"),
    ("330195", "栖霞湖区"),
)
STREET_NAMES: Final = _words(
    "清河湾街道 观澜街道 柳溪街道 鹭洲街道 桃源湾街道 锦屏街道 望潮街道 白沙街道",
)
COMMUNITY_NAMES: Final = _words(
    "江岸 春晓 柳岸 星河 望江 彩虹 明月 荷花 新塘 丹枫 桂苑 银湖",
    "翠苑 聚福 景湖 云锦 白鹭 花语 文澜 锦绣 枫林 映月 秋涛 金沙",
    "玉泉 兰亭 梅园 松风 竹韵 湖畔 溪岸 朝晖 晓风 南苑 北岸 东湖",
    "西溪 清波 碧水 长乐 和睦 安澜 康宁 福地 瑞丰 嘉禾 润泽 怡景",
    "馨园 春江 潮音 听涛 观云 揽月 沁园 雅苑 滨河 渔港 沙洲 新桥",
    "乐居 同心 红枫 紫薇 金桂 海棠 杏林 桃李 稻香 麦浪",
)
# Syllables for the city scale, where the curated lists run out.
_FIRST: Final = "江春柳星望明荷新丹桂银翠聚景云白花文锦枫映秋金玉兰梅松竹湖溪朝晓南北东西清碧长和安康福瑞嘉润怡馨潮观沁雅滨沙乐同红紫杏桃稻"
_SECOND: Final = "岸晓苑河湾园庭里坊塘洲桥港浦城湖庄池苑林阁居源泉谷溪滩堤汀渚湾邸苑坞"

ROAD_NAMES: Final = _words(
    "清溪路 望潮路 春波路 柳岸路 星河路 明月路 滨江大道 丹桂街 银湖街",
    "翠屏路 聚福路 景湖路 云锦路 白鹭街 文澜路 枫林路",
)

SURNAMES: Final = _words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高",
    "林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁",
    "潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔",
    "钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 方 邵 孟 施 俞",
)
# Rough frequency weights: the first names of the table are the most common surnames.
SURNAME_WEIGHTS: Final = tuple(1.0 / (1.0 + 0.12 * i) for i in range(len(SURNAMES)))
GIVEN_CHARS: Final = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀",
    "霞 平 刚 桂 英 华 玲 建 国 文 辉 红 燕 鹏 宇 浩 欣 婷",
    "雪 梅 琳 晨 子 涵 佳 思 雨 轩 睿 博 泽 一 诺 梓 萱 俊",
    "海 波 志 春 兰 凤 金 荣 德 福 永 慧 晓 丹 颖 倩",
)
STAFF_GIVEN: Final = _words(
    "建国 秀英 丽华 海燕 志强 建华 玉兰 桂英 建军 红梅 卫东 晓燕",
    "国庆 美玲 春生 伟民 雪芳 立新 文斌 晓红 振华 秀珍 永刚 翠花",
    "明亮 慧敏 海波 静怡 国平 小军 丽娟 建平 凤英 志刚 淑芬 德明",
    "素琴 宏伟 月娥 晓东 文华 金凤 家明 爱华 瑞芳 新民 雅琴 俊杰",
    "巧玲 勇军",
)
PHONE_PREFIXES: Final = _words(
    "138 139 137 136 135 159 158 188 187 186 133 153 180 189 177 199",
)


def place_names(pool: Sequence[str], count: int, rng: np.random.Generator) -> list[str]:
    """``count`` distinct names: a shuffled ``pool`` first, then two-syllable inventions."""
    names = [pool[i] for i in rng.permutation(len(pool))[:count]]
    if len(names) < count:
        taken = set(names)
        combos = list(dict.fromkeys(a + b for a in _FIRST for b in _SECOND if a != b and a + b not in taken))
        extra = rng.permutation(len(combos))
        names.extend(combos[i] for i in extra[: count - len(names)])
    if len(names) < count:
        raise ValueError(f"cannot invent {count} distinct place names")
    return names


def street_names(count: int, rng: np.random.Generator) -> list[str]:
    """``count`` distinct street names ending in 街道; the first is always the demo's 清河湾街道."""
    others = [n.removesuffix("街道") for n in STREET_NAMES[1:]]
    return [STREET_NAMES[0], *(name + "街道" for name in place_names(others, count - 1, rng))]


def staff_names(count: int, rng: np.random.Generator) -> list[str]:
    """``count`` grid-worker names such as 王建国, distinct while the table allows."""
    pairs = len(SURNAMES) * len(STAFF_GIVEN)
    picks = rng.permutation(pairs)[:count] if count <= pairs else rng.integers(0, pairs, count)
    return [SURNAMES[int(p) // len(STAFF_GIVEN)] + STAFF_GIVEN[int(p) % len(STAFF_GIVEN)] for p in picks]


def person_names(count: int, rng: np.random.Generator) -> pl.Series:
    """``count`` fictional resident names: a weighted surname and one or two given characters."""
    weights = np.asarray(SURNAME_WEIGHTS)
    surname = rng.choice(len(SURNAMES), size=count, p=weights / weights.sum())
    first = rng.integers(0, len(GIVEN_CHARS), count)
    second = rng.integers(0, len(GIVEN_CHARS), count)
    two_chars = rng.random(count) < 0.7
    frame = pl.DataFrame(
        {
            "s": pl.Series(SURNAMES).gather(surname),
            "a": pl.Series(GIVEN_CHARS).gather(first),
            "b": pl.Series(GIVEN_CHARS).gather(second),
            "two": two_chars,
        }
    )
    return frame.select(
        pl.concat_str(["s", "a", pl.when("two").then(pl.col("b")).otherwise(pl.lit(""))]).alias("name")
    ).to_series()


def phones(count: int, rng: np.random.Generator) -> pl.Series:
    """``count`` obviously fictional mobile numbers: a real prefix, then 0000, then four digits."""
    prefix = rng.integers(0, len(PHONE_PREFIXES), count)
    tail = rng.integers(0, 10_000, count)
    frame = pl.DataFrame({"p": pl.Series(PHONE_PREFIXES).gather(prefix), "t": tail})
    return frame.select(
        pl.concat_str(["p", pl.lit("0000"), pl.col("t").cast(pl.String).str.zfill(4)]).alias("phone")
    ).to_series()
