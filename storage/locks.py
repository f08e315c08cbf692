"""Serialising the few writes two processes starting at once would otherwise race: schema
migrations, syncing the config file's sources and channels (read, then insert what is missing),
and claiming sources on PostgreSQL (see storage/source_claims.py).

Inside a transaction, `hold_lock` waits for any other process holding the same lock and keeps
it until the transaction ends: a PostgreSQL advisory transaction lock (one key per purpose), or
on SQLite the database's write lock, taken at once with BEGIN IMMEDIATE (pysqlite itself would
begin only at the first write, after the reads the decision was based on).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# pg_advisory_xact_lock keys, the same in every talentbrief process.
MIGRATIONS = 0x74626D67  # "tbmg"
CONFIG_SYNC = 0x74627363  # "tbsc"
SOURCE_CLAIMS = 0x74626363  # "tbcc"


def hold_lock(connection: Connection, key: int) -> None:
    """Take the lock for `key` until the transaction of `connection` ends; call it first."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
