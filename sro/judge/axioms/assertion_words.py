"""The closed word classes the assertion axiom (sro/judge/axioms/assertion.py) reads, and the lemma mend.

What decides is where a word sits on the path from the object to the sentence root, not that it occurs;
these sets only say which words a clause head, a modifier or a subject must be.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

MODAL = {"would", "could", "should", "might", "may", "must", "'d"}
FUTURE = {"will", "shall", "'ll", "wo"}
CONDITIONAL = {"if", "unless", "whether"}
LEMMA_FIX = {"instal": "install", "enrol": "enroll", "fulfil": "fulfill", "distil": "distill"}  # as sro.extract.svo
QUESTION_OPENER = {"does", "do", "is", "are", "can", "should", "would", "will", "could", "anyone", "anybody"}
ASKED = {"anyone", "anybody", "you", "someone", "somebody", "people", "everyone"}
QUESTION_NOUN = {"question", "advice", "help", "thought", "opinion", "recommendation", "suggestion", "input",
                 "feedback", "info", "information"}
SUPPOSE = {"assume", "suppose", "imagine", "say", "provide", "pretend", "hypothesize"}
INTENT = {"plan", "want", "hope", "consider", "intend", "wish", "wonder", "expect", "anticipate", "estimate",
          "quote", "propose", "offer", "recommend", "suggest", "debate", "compare", "shop", "need", "try",
          "like", "love", "prefer", "interested", "thinking", "looking", "aim", "schedule", "lean", "pitch",
          "weigh", "research", "decide", "torn", "prepare"}
INTENT_PREP = {"look": {"at", "into", "for"}, "think": {"about", "of"}}
REPORT = {"say", "claim", "hear", "believe", "think", "suppose", "read", "allege", "tell", "report", "assume",
          "guess", "seem", "appear", "understand"}
# The nouns of those verbs, as a frame of the whole clause ("from my understanding", "in my opinion").
BELIEF_NOUN = {"understanding", "belief", "opinion", "knowledge", "impression", "guess", "view"}
HEDGE = {"allegedly", "supposedly", "apparently", "reportedly", "probably", "maybe", "perhaps", "hopefully",
         "possibly", "presumably", "roughly"}
FIRST = {"i", "we", "me", "us", "my", "our"}
OTHER_PERSON = {"you", "anyone", "anybody", "someone", "somebody", "everyone", "everybody", "people", "he",
                "she", "they", "friend", "neighbor", "neighbour", "household", "homeowner", "customer",
                "folks", "guy", "competitor", "others", "one", "y'all",
                # relatives and acquaintances have their own houses (a spouse or partner shares the author's)
                "parent", "mom", "dad", "mother", "father", "brother", "sister", "sibling", "son", "daughter",
                "uncle", "aunt", "cousin", "grandparent", "grandma", "grandpa", "relative", "family", "coworker",
                "colleague", "boss", "buddy", "roommate", "landlord", "tenant", "client", "acquaintance"}
PEOPLE_NOUN = {"owner", "user", "member", "subscriber", "resident", "buyer", "consumer"}
OTHER_POSSESSIVE = {"your", "their", "his", "her", "its"}
# Words that make an acquisition more of what the author has ("another PW", "a second battery").
MORE = {"another", "second", "third", "fourth", "extra", "additional", "more", "2nd", "3rd"}
# A present progressive of acquiring ("I am getting a 10.66 kW system", "we are installing 2 Powerwall 3")
# is an arrangement for the future, not an installation that exists.
ACQUIRE = {"get", "install", "add", "buy", "purchase", "order", "put", "switch", "upgrade", "lease", "finance",
           "give", "provide"}
# Verbs whose to-infinitive happened ("managed to get PTO"); any other to-infinitive on the path is an aim,
# a purpose or an obligation ("pushed by the installer to put the Powerwall 3 outside", "called to add one").
IMPLICATIVE = {"manage", "get", "happen", "remember", "begin", "start", "continue", "use", "come", "decide",
               "choose", "end", "take", "able"}
PRESENT_BE = {"am", "is", "are", "'m", "'re", "'s"}
# A clause whose object or subject is one of these nouns is about an offer, not the installation ("received
# a quote from Tesla for 11 panels", "the proposal includes 2 Powerwalls").
# Modifiers that put a thing in the future or in the options ("our proposed system", "the planned array").
IRREALIS = {"proposed", "planned", "future", "potential", "prospective", "upcoming", "hypothetical", "possible",
            "quoted", "estimated", "recommended", "designed"}
PROSPECT_NOUN = {"quote", "estimate", "proposal", "bid", "offer", "option", "design", "deposit", "reservation",
                 "waitlist", "appointment"}
PROSPECT_TITLE = re.compile(r"\b(?:quotes?|quoted|estimates?|proposal|bids?|options?|vs\.?|versus|worth it|"
                            r"looking at|considering|thinking about|design)\b", re.IGNORECASE)
PART_PREP = {"with", "w/", "including", "plus", "and"}
TOPIC_PREP = {"for", "about", "regarding", "than", "like"}  # what a noun is for or about, not a part of it
CIRCUMSTANCE = {"Location", "Place", "Utility", "Country", "City", "State", "Region"}
CLAUSE_DEPS = {"ROOT", "ccomp", "xcomp", "advcl", "relcl", "conj", "acl", "pcomp", "csubj", "parataxis", "acomp"}


def lemma_of(t: "Token") -> str:
    """The token's lemma, with the English lemmatizer's British stems mended ("installed" -> "instal")."""
    lemma = t.lemma_.lower()
    return LEMMA_FIX.get(lemma, lemma)
