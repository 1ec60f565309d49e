"""Short link codes: an alphabet a person can read off paper and type without look-alike mistakes."""

import secrets
import unicodedata

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
    code = unicodedata.normalize("NFKC", raw).translate(_SEPARATORS).upper()
    if not MIN_LENGTH <= len(code) <= MAX_LENGTH or not _ALLOWED.issuperset(code):
        return None
    return code
