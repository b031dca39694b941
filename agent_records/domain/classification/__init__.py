"""The personal-data classification: every field the record stores or shows has one class,
and each class names the roles that may read it.

Defined once, here, next to the event classes; every interface (GraphQL fields, history
payloads at any depth, filters and orderings, exports, the CLI) asks it what a role may
receive, and a field without a class fails ``tests/unit/test_classification.py``.
Erasure uses the same tables: ``SEALED`` gives the fields of each event type stored
encrypted with the agent's key of their class (``eventstore.sealing``), ``FOLDED`` the
ones erasure keeps, ``ERASABLE`` the classes it may erase.
"""

from agent_records.domain.classification.classes import (
    EVERY_CLASS,
    PERSONAL,
    READERS,
    DataClass,
    Role,
    reads,
    reads_all,
)
from agent_records.domain.classification.events import (
    EVENT_FIELDS,
    VALUE_FIELDS,
    change_classes,
    event_class_of_topic,
    field_class,
    personal_fields,
)
from agent_records.domain.classification.payloads import (
    Hidden,
    Readable,
    for_role,
    hidden,
    redacted,
)
from agent_records.domain.classification.read_models import (
    API_FIELDS,
    TABLE_COLUMNS,
    column_classes,
)

__all__ = [
    "API_FIELDS",
    "EVENT_FIELDS",
    "EVERY_CLASS",
    "PERSONAL",
    "READERS",
    "TABLE_COLUMNS",
    "VALUE_FIELDS",
    "DataClass",
    "Hidden",
    "Readable",
    "Role",
    "change_classes", "column_classes",
    "event_class_of_topic",
    "field_class",
    "for_role",
    "hidden",
    "personal_fields",
    "reads",
    "reads_all",
    "redacted",
]
