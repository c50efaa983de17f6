"""Personal data inside free text (issue #14): phones, ID cards, plates and names as residents write them.

Each case is a description as it comes from a hotline or a grid worker's app (made up, no real person),
with the text expected after masking written out: what the problem is stays readable.
"""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.core.privacy import mask_free_text, mask_free_text_expr

CORPUS = [
    # the issue's own example
    ("…联系人许泽 电话15800000571 住怡景社区产业园", "…联系人许** 电话158****0571 住怡景社区产业园"),
    ("来电人王建国反映楼道灯不亮", "来电人王**反映楼道灯不亮"),
    ("业主：李红，手机 138-1234-5678，三单元漏水", "业主：李**，手机 138****5678，三单元漏水"),
    ("业主反映楼道灯不亮已三天", "业主反映楼道灯不亮已三天"),  # no name after the cue: nothing masked
    ("姓名:赵强 身份证330102199001011234 要求核实低保", "姓名:赵** 身份证330102********1234 要求核实低保"),
    ("身份证号33010219900101123X", "身份证号330102********123X"),
    ("座机0571-88886666或057188886666均无人接听", "座机0571-********或0571-********均无人接听"),
    ("请回电+86 139 0000 1111", "请回电139****1111"),
    ("浙A12345长期占用消防通道，另有浙A·D23456", "浙A*****长期占用消防通道，另有浙A*****"),
    ("张先生称夜间施工噪音扰民", "*先生称夜间施工噪音扰民"),
    ("王阿姨家门口堆放杂物", "*阿姨家门口堆放杂物"),
    (
        "3号楼2单元402室漏水，面积约20平方米",
        "3号楼2单元402室漏水，面积约20平方米",
    ),  # numbers that are no phone
    ("工单20261001000123已转城管", "工单20261001000123已转城管"),  # a 14-digit work-order number
]


@pytest.mark.parametrize(("given", "expected"), CORPUS)
def test_free_text_keeps_the_problem_and_loses_the_person(given: str, expected: str) -> None:
    assert mask_free_text(given) == expected


def test_the_expression_masks_a_column_and_leaves_empty_cells() -> None:
    frame = pl.DataFrame({"description": [CORPUS[0][0], None, ""]})
    masked = frame.select(mask_free_text_expr("description")).to_series().to_list()
    assert masked == [CORPUS[0][1], None, ""]


def test_masking_twice_changes_nothing() -> None:
    for given, expected in CORPUS:
        assert mask_free_text(mask_free_text(given)) == expected
