"""Cells from user text: formulas made literal (OWASP), control characters an .xlsx refuses."""

import datetime as dt

import pytest

from luoshi.lib.cells import excel_text, neutralise


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x","点此")', '\'=HYPERLINK("http://x","点此")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("推进重点项目签约落地", "推进重点项目签约落地"),
        ("完成率=80%", "完成率=80%"),  # only a leading sign starts a formula
        ("", ""),
    ],
)
def test_leading_formula_characters_are_made_literal(text, written):
    assert neutralise(text) == written


def test_numbers_dates_and_none_pass_unchanged():
    day = dt.date(2026, 3, 31)
    assert [neutralise(v) for v in (-5, 3.5, day, None)] == [-5, 3.5, day, None]
    assert excel_text(-5) == -5 and excel_text(day) == day


def test_excel_text_drops_control_characters_and_neutralises():
    assert excel_text("老旧小区\x0b改造") == "老旧小区改造"
    assert excel_text("\x0b=1+1") == "'=1+1"
    assert excel_text("第一行\n第二行\t制表") == "第一行\n第二行\t制表"
