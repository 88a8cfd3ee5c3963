"""The unified social credit code (统一社会信用代码) and its check digit, GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, Z,
S, V). The last is the check character: with the alphabet values v_i of the first
17 and the weights w_i = 3^(i-1) mod 31, check = 31 - (Σ v_i·w_i mod 31), where 31
becomes 0.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: value for value, char in enumerate(ALPHABET)}
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, or None if it is (messages are gettext'd)."""
    from django.utils.translation import gettext as _

    code = normalise(code)
    if len(code) != 18:
        return _("A unified social credit code has 18 characters (this one has %(n)s).") % {
            "n": len(code)
        }
    bad = sorted({char for char in code if char not in VALUES})
    if bad:
        return _("The code contains characters not used in credit codes: %(chars)s.") % {
            "chars": " ".join(bad)
        }
    expected = check_character(code[:17])
    if code[17] != expected:
        return _("The check character is wrong (expected %(expected)s): check for a typo.") % {
            "expected": expected
        }
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_problem(code) is None
