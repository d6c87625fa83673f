"""The check-digit schemes of the identifiers and codes the referrals service accepts.

Each is the published algorithm of its owner: NHS number (modulus 11), Police National
Computer ID (modulus 23 over year and serial), DfE Unique Pupil Number (weighted modulus 23
check letter) and SNOMED CT identifiers (Verhoeff).
"""

from __future__ import annotations


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The tenth digit of an NHS number, or None when the first nine can never be valid (remainder 10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


PNC_CHECK_CHARACTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


def pnc_check_character(year: str, serial: str) -> str:
    """The PNC ID check character: the two-digit year and the serial padded to seven digits, modulus 23."""
    return PNC_CHECK_CHARACTERS[int(year[-2:] + serial.zfill(7)) % 23]


UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(characters_2_to_13: str) -> str:
    """The UPN's first character: characters 2-13 weighted 2..13, modulus 23, as a letter.

    The thirteenth character of a temporary UPN is a letter; it counts as its place in the
    same alphabet (A=0 ... Z=22).
    """
    total = 0
    for weight, character in enumerate(characters_2_to_13, start=2):
        value = int(character) if character.isdigit() else UPN_LETTERS.index(character)
        total += weight * value
    return UPN_LETTERS[total % 23]


# Verhoeff's dihedral-group tables: multiplication, permutation and inverse.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
# Row i of the permutation table is the first non-trivial row applied i times; deriving it
# leaves no room for a mistyped table.
_P1 = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_P = [tuple(range(10))]
for _ in range(7):
    _P.append(tuple(_P1[j] for j in _P[-1]))
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def _verhoeff(digits: str, offset: int) -> int:
    c = 0
    for i, digit in enumerate(reversed(digits)):
        c = _D[c][_P[(i + offset) % 8][int(digit)]]
    return c


def verhoeff_check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to `digits`."""
    return str(_INV[_verhoeff(digits, 1)])


def verhoeff_is_valid(digits: str) -> bool:
    """Whether `digits` ends in its correct Verhoeff check digit."""
    return _verhoeff(digits, 0) == 0
