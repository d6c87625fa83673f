"""What the identity domain refuses."""

from __future__ import annotations


class IllegalTransition(Exception):
    """The thing's current state does not allow this change (a second deactivation, say)."""


class InvalidInput(ValueError):
    """A value that breaks a rule of the domain."""
