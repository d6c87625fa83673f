"""Codes and identifiers are ASCII: letters in them are read in capitals, and no other letter is."""

from __future__ import annotations


def capitals(text: str) -> str:
    """ASCII letters in capitals. Other letters stay as they are, to fail the ASCII shapes checked
    after: upper() would turn "ſ" into "S", "ı" into "I" and "ﬀ" into "FF"."""
    return text.upper() if text.isascii() else text
