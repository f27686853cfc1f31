"""Company and person names, deterministic and unique, with the characters that break naive
XML, CSV and shell handling: accents, ``&``, both quote kinds and ``<``.

The first companies are fixed "hard" names so that even a tiny world holds every special
character; the rest are drawn from word lists.
"""

from __future__ import annotations

import random
import unicodedata

# Every small world gets these first (in this order); together they hold é ü ø ñ, &, ', ", <.
HARD_COMPANY_NAMES: tuple[str, ...] = (
    "Café Zürich & Søn",
    'O\'Brien & "Partners" LLP',
    "<Angle> Bracket Labs",
    "Niño Diseño & Co.",
    'Brontë "Studio" <Design> & Print',
)

_FIRST_WORDS = (
    "Northwind",
    "Bluebird",
    "Harbour",
    "Copper",
    "Granite",
    "Saffron",
    "Lumen",
    "Willow",
    "Atlas",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Gable",
    "Halcyon",
    "Iris",
    "Juniper",
    "Kestrel",
    "Larch",
    "Meridian",
    "Nimbus",
    "Orchard",
    "Pioneer",
    "Quarry",
    "Rowan",
    "Sable",
    "Tandem",
    "Umber",
    "Vantage",
    "Wren",
    "Yarrow",
    "Zephyr",
    "Émile",
    "Åsa",
    "Mañana",
)
_SECOND_WORDS = (
    "Analytics",
    "Architects",
    "Bakery",
    "Capital",
    "Collective",
    "Consulting",
    "Creative",
    "Digital",
    "Engineering",
    "Films",
    "Foods",
    "Health",
    "Labs",
    "Legal",
    "Media",
    "Partners",
    "Robotics",
    "Software",
    "Studio",
    "Systems",
    "Ventures",
    "Works",
    "& Sons",
    "& Daughters",
)
_SUFFIX_BY_ENTITY = {
    "US": ("Inc.", "LLC", "Corp.", ""),
    "UK": ("Ltd", "LLP", "plc", ""),
    "IE": ("Ltd", "Teoranta", "DAC", ""),
}

_FIRST_NAMES = (
    "Aoife",
    "Björn",
    "Chloé",
    "Dmitri",
    "Élodie",
    "Fatima",
    "Grace",
    "Hiroshi",
    "Ines",
    "Jörg",
    "Kai",
    "Łukasz",
    "María",
    "Niamh",
    "Oisín",
    "Priya",
    "Quentin",
    "Renée",
    "Seán",
    "Tomás",
    "Uma",
    "Valérie",
    "Wei",
    "Xavier",
    "Yusuf",
    "Zoë",
    "James",
    "Olivia",
    "Noah",
    "Emma",
)
_LAST_NAMES = (
    "O'Connor",
    "Müller",
    "García",
    "Nguyen",
    "Smith",
    "Kowalski",
    "Ó Súilleabháin",
    "Johnson",
    "Dubois",
    "Rossi",
    "Andersson",
    "Patel",
    "Murphy",
    "Kim",
    "Fernández",
    "Walsh",
    "Brown",
    "Novák",
    "Schäfer",
    "D'Angelo",
    "Lefèvre",
    "Byrne",
    "Okafor",
    "Chen",
    "MacLeod",
)


def ascii_slug(text: str, separator: str = "") -> str:
    """Lower-case ASCII letters and digits only (accents folded): for e-mail addresses."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = ["".join(ch for ch in word if ch.isalnum()) for word in folded.lower().split()]
    return separator.join(word for word in words if word)


class NameBook:
    """Hands out unique company and person names for one world."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._companies: set[str] = set()
        self._people: set[str] = set()

    def company(self, index: int, entity: str) -> str:
        if index < len(HARD_COMPANY_NAMES):
            name = HARD_COMPANY_NAMES[index]
        else:
            suffix = self._rng.choice(_SUFFIX_BY_ENTITY[entity])
            parts = [self._rng.choice(_FIRST_WORDS), self._rng.choice(_SECOND_WORDS), suffix]
            name = " ".join(part for part in parts if part)
        return self._unique(name, self._companies)

    def person(self) -> str:
        name = f"{self._rng.choice(_FIRST_NAMES)} {self._rng.choice(_LAST_NAMES)}"
        return self._unique(name, self._people)

    @staticmethod
    def _unique(name: str, taken: set[str]) -> str:
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name} ({n})"
        taken.add(candidate)
        return candidate
