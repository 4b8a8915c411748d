"""The search benchmark's library: thousands of documents with long extracted texts.

`populate(scale, seed)` fills a freshly migrated database, inside an application context, with
the delegations and working groups of the portal's own loaders, the benchmark account (a State
Party delegate, see bench/forum_data.py) and a few dozen other people, two groups (the
benchmark account belongs to the first only) and `DOCUMENTS_PER_SCALE` documents per unit of
`scale`, written with bulk Core inserts as rows: going through the upload service would extract
text from real files and take hours.

Each document has an English version and, for some, French, Spanish or Russian ones, each a
`DocumentFile` whose text is already extracted (`text_status` ok) and 2,000 to 5,000 words
long, composed from treaty vocabulary (bench/prose.py for English). A few documents have a
second English revision, so the index reads the current one. Access levels are mixed as in
`LEVEL_SHARES`. The rare word the benchmark searches for is planted in `RARE_SHARE` of the
English texts.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text

from bench import prose
from bench.forum_data import BENCH_EMAIL, BENCH_PASSWORD, create_users
from portal.access import AccessLevel, acl_for
from portal.accounts.models import DelegationKind, Group, GroupMembership, User
from portal.accounts.reference import load_delegations
from portal.extensions import db
from portal.forum.models import WorkingGroup
from portal.forum.reference import load_working_groups
from portal.library.models import Document, DocumentFile, DocumentType, TextStatus
from portal.library.reference import cycles

DOCUMENTS_PER_SCALE = 2_000
#: Delegates besides the benchmark account and the Secretariat officers.
PEOPLE = 60
BATCH = 500
WORDS = (2_000, 5_000)
#: The share of documents with a version in each language besides English.
OTHER_LANGUAGES = {"fr": 0.3, "es": 0.25, "ru": 0.15}
#: The share of documents whose English version has a second revision.
REVISED = 0.05

LEVEL_SHARES = {
    AccessLevel.PUBLIC.value: 15,
    AccessLevel.USERS.value: 35,
    AccessLevel.STATES.value: 15,
    AccessLevel.STATE_PARTIES.value: 25,
    AccessLevel.GROUP.value: 10,
}
#: The first group holds the benchmark account; the second does not, so its documents are
#: counted by nobody who searches here.
GROUPS = ("Brokering controls experts", "Diversion information exchange")

#: A word few documents hold (planted in `RARE_SHARE` of them), for the "rare word" query.
RARE_WORD = "MANPADS"
RARE_SHARE = 0.004
RARE_SENTENCE = (
    "Our authorities apply stricter end-use controls to man-portable air defence systems "
    "(MANPADS), including physical security of stockpiles."
)

SECRETARIAT_TYPES = [
    DocumentType.ANNOTATED_AGENDA,
    DocumentType.CHAIR_REPORT,
    DocumentType.DRAFT_DECISION,
    DocumentType.GUIDANCE,
    DocumentType.FINAL_REPORT,
    DocumentType.LETTER,
]
NATIONAL_TYPES = [
    DocumentType.WORKING_PAPER,
    DocumentType.PRESENTATION,
    DocumentType.NATIONAL_PRACTICE,
    DocumentType.NATIONAL_REPORT,
    DocumentType.OTHER,
]
SYMBOL_SUFFIX = {
    DocumentType.ANNOTATED_AGENDA: "AnnAgenda",
    DocumentType.CHAIR_REPORT: "ChairReport",
    DocumentType.DRAFT_DECISION: "DraftDecision",
    DocumentType.GUIDANCE: "Guide",
    DocumentType.FINAL_REPORT: "FinalReport",
    DocumentType.LETTER: "Letter",
    DocumentType.WORKING_PAPER: "WP",
    DocumentType.PRESENTATION: "Pres",
    DocumentType.NATIONAL_PRACTICE: "NatPractice",
    DocumentType.NATIONAL_REPORT: "NatReport",
    DocumentType.OTHER: "Misc",
}
SPACE_WEIGHTS = {
    "WGETI": 4,
    "WGETI-6-7": 2,
    "WGETI-9": 2,
    "WGETI-11": 2,
    "WGTR": 4,
    "WGTU": 3,
    "MC": 2,
    "CSP-PREP": 3,
    "INFORMAL": 1,
}
KEYWORDS = [
    "diversion",
    "brokering",
    "transit",
    "end-use",
    "reporting",
    "annual reports",
    "initial reports",
    "ammunition",
    "salw",
    "gender-based violence",
    "risk assessment",
    "national control list",
    "international assistance",
    "universalization",
    "stockpiles",
    "post-shipment",
    "customs",
    "record-keeping",
    "licensing",
    "voluntary trust fund",
]
TITLE_PATTERNS = [
    "Working paper on {object}",
    "{object_cap}: national experience",
    "Draft elements on {challenge}",
    "Guidance on {object} {qualifier}",
    "Report of the working group on {challenge}",
    "Article {article}: {obligation_short}",
]

# Other languages: enough vocabulary for the analysers to stem and the index to hold distinct
# terms, in sentences of the shape extracted texts have.
FOREIGN = {
    "fr": dict(
        subjects=[
            "L'autorité nationale de contrôle",
            "Le service des licences",
            "Les douanes",
            "Le ministère des affaires étrangères",
            "Le point de contact national",
            "La commission interministérielle",
        ],
        verbs=["examine", "vérifie", "transmet", "publie", "évalue", "conserve"],
        objects=[
            "les certificats d'utilisateur final",
            "les demandes de licence d'exportation",
            "les rapports annuels",
            "la liste nationale de contrôle",
            "les notifications de transit",
            "les risques de détournement",
            "les enregistrements des courtiers",
            "les autorisations d'importation",
        ],
        qualifiers=[
            "avant toute exportation",
            "dans un délai de trente jours",
            "en consultation avec l'État importateur",
            "au cas par cas",
            "pour les armes légères et de petit calibre",
            "conformément à l'article 7 du Traité",
        ],
    ),
    "es": dict(
        subjects=[
            "La autoridad nacional de control",
            "El departamento de licencias",
            "Las aduanas",
            "El Ministerio de Relaciones Exteriores",
            "El punto de contacto nacional",
            "El comité interinstitucional",
        ],
        verbs=["examina", "verifica", "comparte", "publica", "evalúa", "conserva"],
        objects=[
            "los certificados de usuario final",
            "las solicitudes de licencia de exportación",
            "los informes anuales",
            "la lista nacional de control",
            "las notificaciones de tránsito",
            "los riesgos de desvío",
            "los registros de intermediarios",
            "las autorizaciones de importación",
        ],
        qualifiers=[
            "antes de autorizar una exportación",
            "en un plazo de treinta días",
            "en consulta con el Estado importador",
            "caso por caso",
            "para las armas pequeñas y ligeras",
            "de conformidad con el artículo 7 del Tratado",
        ],
    ),
    "ru": dict(
        subjects=[
            "Национальный контрольный орган",
            "Лицензионный отдел",
            "Таможенная служба",
            "Министерство иностранных дел",
            "Национальный контактный центр",
            "Межведомственная комиссия",
        ],
        verbs=["рассматривает", "проверяет", "направляет", "публикует", "оценивает", "хранит"],
        objects=[
            "сертификаты конечного пользователя",
            "заявки на экспортные лицензии",
            "ежегодные доклады",
            "национальный контрольный список",
            "уведомления о транзите",
            "риски утечки оружия",
            "сведения о брокерах",
            "разрешения на импорт",
        ],
        qualifiers=[
            "до выдачи разрешения на экспорт",
            "в течение тридцати дней",
            "в консультации с государством-импортером",
            "в каждом конкретном случае",
            "для стрелкового оружия и легких вооружений",
            "в соответствии со статьей 7 Договора",
        ],
    ),
}


@dataclass
class Dataset:
    """What the benchmark needs to know about the data it made."""

    documents: int
    files: int
    words: int
    users: int
    levels: dict
    languages: dict
    email: str = BENCH_EMAIL
    password: str = BENCH_PASSWORD


def populate(scale, seed=20261125):
    """Fill the (empty, migrated) database; returns the `Dataset`. Needs an app context."""
    load_delegations()
    load_working_groups()
    db.session.commit()
    users = create_users(random.Random(f"{seed}:users"), PEOPLE)
    group_ids = create_groups(users)
    spaces = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).all()
    builder = LibraryBuilder(random.Random(f"{seed}:library"), users, spaces, group_ids)
    with db.engine.begin() as connection:
        for first in range(0, DOCUMENTS_PER_SCALE * scale, BATCH):
            documents, files = [], []
            for _ in range(min(BATCH, DOCUMENTS_PER_SCALE * scale - first)):
                document, document_files = builder.document()
                documents.append(document)
                files.extend(document_files)
            connection.execute(insert(Document.__table__), documents)
            connection.execute(insert(DocumentFile.__table__), files)
    finish_load()
    return Dataset(
        documents=count(Document),
        files=count(DocumentFile),
        words=builder.words,
        users=len(users),
        levels=dict(sorted(builder.levels.items())),
        languages=dict(sorted(builder.languages.items())),
    )


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def create_groups(users):
    """The groups of `GROUPS`, each with a dozen members; the benchmark account is in the first
    only. Returns their ids in that order."""
    others = [u for u in users if u.email != BENCH_EMAIL]
    bench = next(u for u in users if u.email == BENCH_EMAIL)
    group_ids = []
    for number, name in enumerate(GROUPS):
        group = Group(name=name, description="")
        db.session.add(group)
        db.session.flush()
        members = others[number * 12 : number * 12 + 12] + ([bench] if number == 0 else [])
        db.session.add_all(GroupMembership(group_id=group.id, user_id=u.id) for u in members)
        group_ids.append(group.id)
    db.session.commit()
    return group_ids


class LibraryBuilder:
    """Draws documents and their files as row dicts, with explicit ids."""

    def __init__(self, rng, users, spaces, group_ids):
        self.rng = rng
        self.spaces = spaces
        self.space_weights = [SPACE_WEIGHTS.get(space.code, 1) for space in spaces]
        self.group_ids = group_ids
        self.secretariat = [
            u for u in users if u.delegation.kind == DelegationKind.SECRETARIAT.value
        ]
        self.delegates = [
            u
            for u in users
            if u.delegation.kind != DelegationKind.SECRETARIAT.value and u.email != BENCH_EMAIL
        ]
        self.cycles = sorted(cycles(), key=lambda cycle: cycle.number)
        self.next_document = (db.session.scalar(select(func.max(Document.id))) or 0) + 1
        self.next_file = (db.session.scalar(select(func.max(DocumentFile.id))) or 0) + 1
        self.words = 0
        self.levels = {}
        self.languages = {}

    def document(self):
        """One document row and the rows of its files."""
        rng = self.rng
        document_id = self.next_document
        self.next_document += 1
        if rng.random() < 0.4:
            doc_type = rng.choice(SECRETARIAT_TYPES)
            uploader = rng.choice(self.secretariat)
            author = "CHAIR" if doc_type is not DocumentType.LETTER else "SECRETARIAT"
        else:
            doc_type = rng.choice(NATIONAL_TYPES)
            uploader = rng.choice(self.delegates)
            author = uploader.delegation.iso3 or uploader.delegation.short_name
        space = None
        if doc_type is not DocumentType.FINAL_REPORT:
            space = rng.choices(self.spaces, self.space_weights)[0]
        cycle = rng.choice(self.cycles[-6:])
        published_on = date(cycle.year - 1, 9, 1) + timedelta(days=rng.randint(0, 364))
        venue = space.code if space is not None else "CSP"
        symbol = (
            f"ATT/CSP{cycle.number}.{venue}/{published_on.year}/{author}/{document_id}/"
            f"{SYMBOL_SUFFIX[doc_type]}"
        )
        level = rng.choices(list(LEVEL_SHARES), list(LEVEL_SHARES.values()))[0]
        group_id = rng.choice(self.group_ids) if level == AccessLevel.GROUP.value else None
        acl = acl_for(level, group_id)
        self.levels[acl] = self.levels.get(acl, 0) + 1
        slots = prose.slots(rng)
        created = datetime.combine(published_on, datetime.min.time()) + timedelta(hours=9)
        document = dict(
            id=document_id,
            created_at=created,
            symbol=symbol,
            symbol_key=symbol.lower(),
            title=prose.capitalise(rng.choice(TITLE_PATTERNS).format(**slots))[:500],
            doc_type=doc_type.value,
            working_group_id=space.id if space is not None else None,
            topic_id=None,
            cycle=cycle.number,
            meeting=f"{venue}, {published_on:%B %Y}",
            delegation_id=uploader.delegation_id,
            published_on=published_on,
            distributed_on=None,
            keywords=rng.sample(KEYWORDS, rng.randint(2, 5)),
            summary=" ".join(prose.sentence(rng) for _ in range(2)),
            access_level=level,
            group_id=group_id,
            acl=acl,
            uploaded_by_id=uploader.id,
            updated_at=created,
        )
        languages = ["en"] + [
            lang for lang, share in OTHER_LANGUAGES.items() if rng.random() < share
        ]
        files = [self.file(document_id, lang, 1, uploader.id, acl, created) for lang in languages]
        if rng.random() < REVISED:
            files.append(
                self.file(
                    document_id,
                    "en",
                    2,
                    uploader.id,
                    acl,
                    created + timedelta(days=rng.randint(1, 60)),
                )
            )
        return document, files

    def file(self, document_id, language, revision, uploader_id, acl, created):
        rng = self.rng
        body = self.text(language)
        self.languages[language] = self.languages.get(language, 0) + (revision == 1)
        file_id = self.next_file
        self.next_file += 1
        kind, mime_type = rng.choice(
            [
                ("pdf", "application/pdf"),
                ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ]
        )
        return dict(
            id=file_id,
            created_at=created,
            document_id=document_id,
            language=language,
            revision=revision,
            note="" if revision == 1 else "Corrected figures in the annex.",
            sha256=f"{rng.getrandbits(256):064x}",
            size=len(body.encode("utf-8")) * rng.randint(3, 8),
            file_kind=kind,
            mime_type=mime_type,
            name=f"document-{document_id}-{language}-r{revision}.{kind}",
            uploaded_by_id=uploader_id,
            text_status=TextStatus.OK.value,
            text=body,
            pages=1 + len(body) // 3_000,
            acl=acl,
        )

    def text(self, language):
        """An extracted text of 2,000 to 5,000 words, in paragraphs, as a PDF gives it."""
        rng = self.rng
        target = rng.randint(*WORDS)
        sentence = prose.sentence if language == "en" else foreign_sentence(FOREIGN[language])
        paragraphs, words = [], 0
        while words < target:
            paragraph = " ".join(sentence(rng) for _ in range(rng.randint(3, 7)))
            words += paragraph.count(" ") + 1
            paragraphs.append(paragraph)
        if language == "en" and rng.random() < RARE_SHARE:
            paragraphs.insert(rng.randrange(len(paragraphs)), RARE_SENTENCE)
        self.words += words
        return "\n\n".join(paragraphs)


def foreign_sentence(vocabulary):
    def sentence(rng):
        return (
            f"{rng.choice(vocabulary['subjects'])} {rng.choice(vocabulary['verbs'])} "
            f"{rng.choice(vocabulary['objects'])} {rng.choice(vocabulary['qualifiers'])}."
        )

    return sentence


def finish_load():
    """Sequences past the explicit ids and planner statistics on PostgreSQL, as after
    bench/forum_data.py's load."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as connection:
        for model in (User, Document, DocumentFile):
            table = model.__tablename__
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
