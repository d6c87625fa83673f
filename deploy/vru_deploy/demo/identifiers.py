"""Synthetic identifiers in their real formats, with their real check characters, so the
platform's own validation accepts them: NHS numbers (in the 999 test range), PNC IDs and UPNs."""

from __future__ import annotations

import random
from collections.abc import Iterator


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when no valid number has them."""
    check = 11 - sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    return None if check == 10 else check % 11


def nhs_numbers(rng: random.Random) -> Iterator[str]:
    """Endless valid NHS numbers in the 999 range set aside for testing."""
    while True:
        stem = f"999{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(stem)
        if check is not None:
            yield f"{stem}{check}"


def pnc_id(year: int, serial: int) -> str:
    """A PNC ID "YY/NNNNNNNC": the check character is year and zero-padded serial, modulus 23."""
    yy = f"{year % 100:02d}"
    return f"{yy}/{serial:07d}{'ZABCDEFGHJKLMNPQRTUVWXY'[int(yy + f'{serial:07d}') % 23]}"


def upn(body: str) -> str:
    """A UPN from its last twelve characters: the check letter is their weighted sum (2..13), modulus 23."""
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    total = sum(w * (int(c) if c.isdigit() else letters.index(c)) for w, c in enumerate(body, start=2))
    return letters[total % 23] + body
