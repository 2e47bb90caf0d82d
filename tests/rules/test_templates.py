"""Text templates of a rule (summary, verify): placeholders, brace problems, rendering."""

from __future__ import annotations

from huimin.rules.templates import MISSING, placeholders, render, template_problems


def test_placeholders_in_order_each_once() -> None:
    text = "{name}于{deaths.death_date}死亡，{name}仍领取{months}个月，标准{param.standard}"
    assert placeholders(text) == ["name", "deaths.death_date", "months", "param.standard"]
    assert placeholders("没有占位符") == []


def test_brace_problems() -> None:
    assert template_problems("{name}领取{total}元") == []
    (unclosed,) = template_problems("核对{param.standard的标准")
    assert "a '{' without its '}'" in unclosed
    (stray,) = template_problems("核对}标准")
    assert "a '}' without its '{'" in stray
    (empty,) = template_problems("核对{}标准")
    assert "empty placeholder" in empty
    assert len(template_problems("{a{b}")) == 1  # the first '{' is never closed


def test_render_fills_values_and_marks_missing_ones() -> None:
    text = "{name}于{deaths.death_date}死亡后仍领取{months}个月"
    values = {"name": "张三", "deaths.death_date": "2023-03-14"}
    assert render(text, values) == f"张三于2023-03-14死亡后仍领取{MISSING}个月"
    assert MISSING == "（无）"
    assert render("{x}", {"x": ""}) == "", "an empty text (an optional note) shows nothing"
    assert render("无占位符", {}) == "无占位符"
