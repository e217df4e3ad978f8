"""Short codes people read and type: pairing codes (off an e-paper screen) and friend codes."""

from __future__ import annotations

import secrets

# No 0/O and no 1/I: the code is read off a screen and typed by hand.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(typed: str) -> str | None:
    """``"k7qm t4zp"`` -> ``"K7QM-T4ZP"``; None when it cannot be a code.

    Spaces, dashes and case do not matter. Characters outside the alphabet (0, O, 1, I) make the
    code invalid, so a typo gives a clear "not valid" rather than someone else's frame.
    """
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum())
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"
