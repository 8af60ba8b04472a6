"""My strength words: every word given to me, counted, and turned into a list for a CV.

The preset words and their translations live with sharing (sharing.STRENGTH_WORDS); this module
collects what a person received, through visibility.strength_words_received_by.
"""

from dataclasses import dataclass, field

from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import StrengthWord, User
from webapp.services import visibility
from webapp.services.sharing import word_label


@dataclass
class Collected:
    """One word and everyone who gave it: names only of those who chose to show theirs."""

    word: str
    count: int = 0
    names: list[str] = field(default_factory=list)
    unnamed: int = 0


def received(user: User) -> list[StrengthWord]:
    query = (
        visibility.strength_words_received_by(user)
        .options(joinedload(StrengthWord.giver))
        .order_by(StrengthWord.created_at.desc(), StrengthWord.id.desc())
    )
    return list(db.session.scalars(query))


def giver_name(word: StrengthWord) -> str | None:
    """The giver's name if they chose to show it (and still have an account), else None."""
    if word.show_name and word.giver is not None:
        return word.giver.display_name
    return None


def _key(word: StrengthWord) -> str:
    return (
        f"preset:{word.preset}" if word.preset else "text:" + " ".join(word.text.split()).casefold()
    )


def collect(words: list[StrengthWord]) -> list[Collected]:
    """Grouped by word (a preset, or the same free word however it was typed), most given
    first; names in the order they gave it."""
    groups: dict[str, Collected] = {}
    for word in sorted(words, key=lambda w: (w.created_at, w.id)):  # a word reads as first given
        group = groups.setdefault(_key(word), Collected(word=word_label(word).strip()))
        group.count += 1
        name = giver_name(word)
        if name is None:
            group.unnamed += 1
        elif name not in group.names:
            group.names.append(name)
    return sorted(groups.values(), key=lambda g: (-g.count, g.word.casefold()))


def cv_lines(groups: list[Collected]) -> list[str]:
    """Each word once, starting with a capital, most given first: ready to paste into a CV."""
    return [g.word[:1].upper() + g.word[1:] for g in groups if g.word]
