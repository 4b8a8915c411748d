"""Plausible prose about implementing the Arms Trade Treaty, for benchmark data.

Posts, thread titles, topic titles and guiding questions are composed from a small vocabulary
of what delegations actually discuss (licensing, diversion, transit, reporting...), so that
pages carry text of a realistic length and shape: one to four paragraphs, some Markdown lists,
emphasis and links. Every function draws from the `random.Random` it is given, so the same
seed gives the same text.
"""

SUBJECTS = [
    "Our national control authority",
    "The licensing department",
    "The inter-agency licensing committee",
    "Customs and border protection",
    "The Ministry of Foreign Affairs",
    "The Ministry of Defence",
    "Our national point of contact",
    "The export control unit",
    "The national commission on small arms",
    "Our permanent mission",
    "The competent national authority",
    "The intelligence and risk analysis unit",
]

VERBS = [
    ("reviews", "reviewed"),
    ("assesses", "assessed"),
    ("cross-checks", "cross-checked"),
    ("documents", "documented"),
    ("shares", "shared"),
    ("verifies", "verified"),
    ("publishes", "published"),
    ("consults other agencies on", "consulted other agencies on"),
    ("keeps records of", "kept records of"),
    ("updates", "updated"),
]

OBJECTS = [
    "end-user certificates",
    "export licence applications",
    "brokering registrations",
    "transit and trans-shipment notifications",
    "post-shipment verification reports",
    "the annual report under Article 13",
    "the national control list",
    "the risk assessment under Article 7",
    "indicators of diversion risk",
    "the initial report on implementation measures",
    "import authorisations",
    "records of authorised exports",
    "denial notifications",
    "end-use assurances",
    "the list of authorised brokers",
    "re-export clauses",
]

QUALIFIERS = [
    "before an export is authorised",
    "within thirty days",
    "in consultation with the importing State",
    "on a case-by-case basis",
    "for small arms and light weapons",
    "for the eight categories of Article 2(1)",
    "for ammunition and munitions covered by Article 3",
    "for parts and components under Article 4",
    "at the request of the exporting State",
    "for every transfer above the reporting threshold",
    "in line with the voluntary guide",
    "together with the other members of our regional organisation",
    "as part of the licensing file",
    "with the support of the Voluntary Trust Fund",
]

CONNECTORS = [
    "In practice",
    "Since the last Conference",
    "As a general rule",
    "In our experience",
    "For the time being",
    "Following the last review",
    "Where the risk is unclear",
    "In addition",
]

CHALLENGES = [
    "the limited capacity of customs to inspect transit cargo",
    "verifying the authenticity of end-user certificates",
    "the exchange of information with non-States Parties",
    "keeping records for at least ten years",
    "the definition of brokering in national law",
    "coordination between the licensing and enforcement agencies",
    "assessing the risk of gender-based violence under Article 7(4)",
    "reporting on ammunition, which our legislation treats separately",
    "the confidentiality of commercially sensitive information",
    "training officials in the regions",
]

ARTICLES = [
    ("5", "establish and maintain a national control system, including a national control list"),
    ("6", "not authorise a transfer that would violate its obligations under measures of the Security Council"),
    ("7", "assess the potential that exported arms would contribute to or undermine peace and security"),
    ("9", "take measures to regulate the transit or trans-shipment of conventional arms"),
    ("10", "take measures to regulate brokering taking place under its jurisdiction"),
    ("11", "take measures to prevent the diversion of conventional arms"),
    ("12", "maintain national records of its issuance of export authorisations"),
    ("13", "submit annually a report on authorised or actual exports and imports"),
    ("15", "cooperate with other States Parties to implement the Treaty effectively"),
    ("16", "seek assistance, including legal or legislative assistance and institutional capacity-building"),
]

LINKS = [
    ("the Secretariat's guidance", "https://thearmstradetreaty.org/tools-and-guidelines.html"),
    ("the reporting templates", "https://thearmstradetreaty.org/reporting.html"),
    ("the basic guide to establishing a national control system", "https://thearmstradetreaty.org/voluntary-guide.html"),
    ("the Voluntary Trust Fund page", "https://thearmstradetreaty.org/vtf.html"),
]

ASKS = [
    "We would welcome the views of other delegations on {challenge}.",
    "Has any delegation found a practical way to address {challenge}?",
    "Could the facilitator circulate examples of {object} from other States Parties?",
    "We are ready to share our template for {object} with interested delegations.",
    "It would help to agree on common language on {challenge} before the next Conference.",
]

THREAD_PATTERNS = [
    "National practice: {object}",
    "Question on {object} {qualifier}",
    "Experience with {challenge}",
    "Article {article}: sharing how we implement it",
    "Proposal for the working paper on {object}",
    "{object_cap}: what worked for us",
    "Follow-up to the informal meeting on {challenge}",
    "Draft elements on {object}",
]

TOPIC_PATTERNS = [
    "Article {article}: {obligation_short}",
    "Voluntary guide: {object}",
    "Exchange of national practices on {challenge}",
    "Work plan item: {object}",
    "Preparations for the Conference: {challenge}",
]

QUESTION_PATTERNS = [
    "How does your national system handle {object}?",
    "Which agencies take part in the review of {object}?",
    "What measures has your State taken to address {challenge}?",
    "Which indicators do you use when assessing {object}?",
    "What assistance would help your authorities with {challenge}?",
]


def capitalise(text):
    return text[:1].upper() + text[1:]


def sentence(rng):
    """One sentence of a delegation's statement."""
    kind = rng.random()
    subject = rng.choice(SUBJECTS)
    present, past = rng.choice(VERBS)
    object_ = rng.choice(OBJECTS)
    qualifier = rng.choice(QUALIFIERS)
    if kind < 0.35:
        return f"{subject} {present} {object_} {qualifier}."
    if kind < 0.55:
        year = rng.randint(2015, 2026)
        return f"In {year}, {subject[0].lower() + subject[1:]} {past} {object_} {qualifier}."
    if kind < 0.7:
        connector = rng.choice(CONNECTORS)
        return f"{connector}, {subject[0].lower() + subject[1:]} {present} {object_} {qualifier}."
    if kind < 0.8:
        number, obligation = rng.choice(ARTICLES)
        return f"Article {number} requires each State Party to {obligation}."
    if kind < 0.9:
        return f"One difficulty we face is {rng.choice(CHALLENGES)}, in particular {qualifier}."
    return rng.choice(ASKS).format(challenge=rng.choice(CHALLENGES), object=object_)


def paragraph(rng):
    text = " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))
    if rng.random() < 0.2:
        number, _obligation = rng.choice(ARTICLES)
        text = f"**Article {number}.** {text}"
    if rng.random() < 0.1:
        label, url = rng.choice(LINKS)
        text += f" See [{label}]({url})."
    return text


def markdown_list(rng):
    """A short bulleted or numbered list, as delegations use to set out their steps."""
    items = rng.sample(OBJECTS, rng.randint(3, 5))
    lead = rng.choice(
        ["Our procedure covers:", "The file must include:", "We check in particular:", "In short:"]
    )
    if rng.random() < 0.5:
        lines = [f"- {capitalise(item)} {rng.choice(QUALIFIERS)}." for item in items]
    else:
        lines = [f"{n}. {capitalise(item)}." for n, item in enumerate(items, 1)]
    return lead + "\n\n" + "\n".join(lines)


def post_body(rng):
    """A post: one to four paragraphs, a list in about a quarter of them (Markdown)."""
    blocks = [paragraph(rng) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.25:
        blocks.insert(rng.randint(1, len(blocks)), markdown_list(rng))
    return "\n\n".join(blocks)


def slots(rng):
    number, obligation = rng.choice(ARTICLES)
    object_ = rng.choice(OBJECTS)
    return dict(
        object=object_,
        object_cap=capitalise(object_),
        qualifier=rng.choice(QUALIFIERS),
        challenge=rng.choice(CHALLENGES),
        article=number,
        obligation_short=" ".join(obligation.split()[:8]),
    )


def thread_title(rng):
    return capitalise(rng.choice(THREAD_PATTERNS).format(**slots(rng)))[:300]


def topic_title(rng):
    return capitalise(rng.choice(TOPIC_PATTERNS).format(**slots(rng)))[:300]


def guiding_question(rng):
    return rng.choice(QUESTION_PATTERNS).format(**slots(rng))
