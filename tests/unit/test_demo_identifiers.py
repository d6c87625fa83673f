"""The demo's synthetic identifiers: NHS numbers in the 999 test range, PNC IDs and UPNs, each with the
check character the platform's own checks expect."""

from __future__ import annotations

import random

from vru_deploy.demo.identifiers import nhs_check_digit, nhs_numbers, pnc_id, upn
from vru_referrals.domain.identifiers import IdentifierType, normalise


def test_generated_nhs_numbers_pass_the_platforms_own_check_and_are_in_the_999_test_range():
    numbers = nhs_numbers(random.Random(1))
    for _ in range(2000):
        n = next(numbers)
        assert n.startswith("999")
        assert normalise(IdentifierType.NHS_NUMBER, n) == n


def test_the_check_digit_is_none_when_modulus_11_would_need_a_ten():
    # 9 digits whose weighted sum leaves remainder 1 need a check digit of 10: no valid number exists.
    stems = [f"999{i:06d}" for i in range(5000)]
    assert any(nhs_check_digit(s) is None for s in stems)
    assert all(0 <= c <= 9 for s in stems if (c := nhs_check_digit(s)) is not None)


def test_a_pnc_id_gets_the_check_character_of_its_year_and_padded_serial():
    # 240000001 % 23 = 15, and character 15 (from 0) of ZABCDEFGHJKLMNPQRTUVWXY is Q.
    assert pnc_id(2024, 1) == "24/0000001Q"
    rng = random.Random(3)
    for _ in range(500):
        value = pnc_id(rng.randint(2000, 2026), rng.randrange(1, 10_000_000))
        assert normalise(IdentifierType.PNC_ID, value) == value


def test_a_upn_gets_the_check_letter_of_its_weighted_characters():
    # Weights 2..13 over 999000125001: 18+27+36+0+0+0+8+18+50+0+0+13 = 170; 170 % 23 = 9 -> K.
    assert upn("999000125001") == "K999000125001"
    rng = random.Random(4)
    for _ in range(500):
        value = upn(f"{rng.randrange(10**12):012d}")
        assert normalise(IdentifierType.UPN, value) == value
