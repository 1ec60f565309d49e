"""Short link codes: an alphabet a person can read off paper and type without look-alike mistakes."""

import secrets
import unicodedata
from dataclasses import dataclass

# No 0/O, no 1/I/L (lowercase l looks like 1, and codes are case-insensitive).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MIN_LENGTH, MAX_LENGTH = 6, 8
_ALLOWED = frozenset(ALPHABET)
# Characters people put between groups when copying a code by hand.
_SEPARATORS = str.maketrans("", "", " \t-._/·")


def generate_code(length: int = MIN_LENGTH) -> str:
    """A random code of `length` characters from the alphabet (cryptographically random)."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"code length must be {MIN_LENGTH}–{MAX_LENGTH}, not {length}")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(raw: str | None) -> str | None:
    """The canonical (upper-case) code for what a person typed or a URL carried, or None if it cannot be one.

    Full-width characters from phone keyboards are folded (NFKC), spaces and separators dropped and
    case ignored. The alphabet has no 0, O, 1, I or L, so a code containing them is never valid.
    """
    if not raw:
        return None
    # NFKC leaves ASCII as it is; skipping it matters on the scan path, where nearly every code is ASCII.
    folded = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    code = folded.translate(_SEPARATORS).upper()
    if not MIN_LENGTH <= len(code) <= MAX_LENGTH or not _ALLOWED.issuperset(code):
        return None
    return code


# Letters from other scripts that look exactly like letters of the alphabet (a phone keyboard set to
# another layout, or text copied from a chat); after NFKC and upper-casing.
_LOOK_ALIKES = str.maketrans(
    "АВЕЗКМНРСТУХЅΑΒΕΖΗΚΜΝΡΤΥΧ",  # Cyrillic А В Е З К М Н Р С Т У Х Ѕ, Greek Α Β Ε Ζ Η Κ Μ Ν Ρ Τ Υ Χ
    "ABE3KMHPCTYXSABEZHKMNPTYX",
)
# Characters the alphabet leaves out because they look alike; a code never contains them.
EXCLUDED = "01OIL"


@dataclass(frozen=True)
class TypedCode:
    """What a person typed, read as a code: `code` when it can be one, else `problem` (and the characters)."""

    code: str | None
    problem: str | None = None  # 'empty', 'excluded', 'invalid' or 'length'
    chars: str = ""


def read_typed_code(raw: str | None) -> TypedCode:
    """Read a code typed by hand: case, spaces, separators, full-width and look-alike letters are folded.

    The digits 0 and 1 and the letters O, I and L are never in a code (they look like each other and
    like D, J or 7 in some fonts), so they cannot be corrected to a single letter; they are reported
    instead, with the other characters that cannot be in a code, so the visitor can check the flyer.
    """
    text = unicodedata.normalize("NFKC", raw or "").translate(_SEPARATORS).upper().translate(_LOOK_ALIKES)
    if not text:
        return TypedCode(None, "empty")
    excluded = "".join(dict.fromkeys(c for c in text if c in EXCLUDED))
    if excluded:
        return TypedCode(None, "excluded", excluded)
    invalid = "".join(dict.fromkeys(c for c in text if c not in _ALLOWED))
    if invalid:
        return TypedCode(None, "invalid", invalid)
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        return TypedCode(None, "length", text)
    return TypedCode(text)
