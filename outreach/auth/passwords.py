"""Which passwords are refused: too short, among the commonest, or built on the email or the app's name.

One function, `password_problem`, used wherever a password is chosen (the `users create` command, the
promoter login form, the password change form). The commonest passwords and the guessability estimate
come from zxcvbn, which ships a ranked list of 30,000 leaked passwords plus common words and names.
"""

import re

from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# Words an attacker tries first against this app: its name and the city's.
APP_WORDS = ("outreach", "bandarlampung", "lampung", "integritas", "survei")
# zxcvbn's score: 0-2 fall to an online or a fast offline guessing attack (fewer than 10^8 guesses).
MIN_SCORE = 3
# zxcvbn's time grows with the length; the first characters are enough to spot a weak password.
ESTIMATE_CHARS = 64
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _letters(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


def _email_words(email: str) -> list[str]:
    """The email, its local part and the words of both (of three letters or more)."""
    email = (email or "").strip().lower()
    local, _at, domain = email.partition("@")
    words = [email, local, domain.split(".")[0]]
    words += re.split(r"[^0-9a-z]+", local)
    return [w for w in dict.fromkeys(words) if len(_letters(w)) >= 3]


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why this password is refused (translated, ready to show), or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(count)d characters.", count=MAX_PASSWORD_LENGTH)
    flat = _letters(password)
    personal = _email_words(email or "")
    if any(_letters(word) in flat for word in (*personal, *APP_WORDS)):
        return _("The password must not contain your email address or the name of the app or the city.")
    result = zxcvbn(password[:ESTIMATE_CHARS], user_inputs=[*personal, *APP_WORDS])
    if result["score"] < MIN_SCORE:
        return _(
            "This password is one of the commonest or too easy to guess. "
            "Use a few unrelated words, or a longer phrase only you would think of."
        )
    return None
