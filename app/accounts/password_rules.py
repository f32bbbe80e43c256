"""What makes a new password acceptable: long enough, and not one that people commonly choose.

zxcvbn estimates how many guesses a password would take, knowing the common and breached passwords, names
and words in its bundled lists (offline: nothing is sent anywhere), keyboard patterns, repeats and dates.
We ask for a score of at least 3 of 4 ("safely unguessable"), and give zxcvbn the person's own email and
name and the site's name, so that those do not count as secrets.
"""

from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
MIN_SCORE = 3
# zxcvbn's effort grows with length; beyond this the password is long enough to judge by its start.
CHECKED_LENGTH = 100
SITE_WORDS = ["wellaware", "well aware", "well", "aware"]

RULE = (f"At least {MIN_PASSWORD_LENGTH} characters, and not a common password. "
        "A few unusual words together work well.")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` will not do, in words for the person choosing it; None when it will."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must be at least {MIN_PASSWORD_LENGTH} characters"
    own_words = [word for word in (email, email.split("@")[0], *name.split()) if word]
    verdict = zxcvbn(password[:CHECKED_LENGTH], user_inputs=[*own_words, *SITE_WORDS])
    if verdict["score"] >= MIN_SCORE:
        return None
    warning = verdict["feedback"]["warning"].rstrip(".")
    reason = f"{warning}. " if warning else ""
    return f"That password is too easy to guess. {reason}Add another word or two; unusual words are better"
