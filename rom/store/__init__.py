"""rom's storage: people, sessions, trials and measurements in SQLite or PostgreSQL.

>>> store = Store()                       # SQLite in rom.paths.data_dir(), or $ROM_DATABASE_URL
>>> person = store.add_person("Runner A", height_cm=178)
>>> session = store.add_session(person.id, technique="Toe Spreaders", trials=[
...     NewTrial("pre", "ankle-dorsiflexion", measurements=(measurement_pre,)),
...     NewTrial("post", "ankle-dorsiflexion", measurements=(measurement_post,)),
... ])
>>> store.history(person.id, test="ankle-dorsiflexion")

Modules: :mod:`.models` (ORM schema), :mod:`.engine` (URL, SQLite settings, migrations,
retries), :mod:`.api` (:class:`Store`: the transactions), :mod:`.records` (what reads
return), :mod:`.mappers` (rows <-> records and measurements), :mod:`.schema` (the bundle's
format and typed shape), :mod:`.bundle` (bundle data built and checked),
:mod:`.bundle_file` (JSON/CSV files), :mod:`.videos` (stored video copies),
:mod:`.validate` (input checks).
"""

from rom.store.api import Store
from rom.store.bundle_file import read_bundle, write_bundle
from rom.store.engine import ENV_DATABASE_URL, head_revision, resolve_url
from rom.store.records import (
    DeletionReport,
    HistoryPoint,
    ImportSummary,
    MeasurementInput,
    MeasurementRecord,
    NewTrial,
    PersonInfo,
    SessionInfo,
    TrialInfo,
)
from rom.store.schema import BUNDLE_FORMAT, BUNDLE_SCHEMA_VERSION, PersonBundle

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_SCHEMA_VERSION",
    "ENV_DATABASE_URL",
    "DeletionReport",
    "HistoryPoint",
    "ImportSummary",
    "MeasurementInput",
    "MeasurementRecord",
    "NewTrial",
    "PersonBundle",
    "PersonInfo",
    "SessionInfo",
    "Store",
    "TrialInfo",
    "head_revision",
    "read_bundle",
    "resolve_url",
    "write_bundle",
]
