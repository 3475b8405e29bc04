"""The share store: saved results behind unguessable ids.

SQLAlchemy Core over SQLite by default (a file in the instance folder, WAL mode, so readers
never wait for a writer and a killed worker cannot corrupt it); any SQLAlchemy URL in
HCR_DATABASE_URL, e.g. postgresql+psycopg://..., for several machines.
"""

import contextlib
import fcntl
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import (Column, DateTime, Float, LargeBinary, MetaData, String, Table, Text,
                        create_engine, delete, event, insert, select, text)

ID_BYTES = 16  # 128 random bits
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
# Any fixed 64-bit number, the same in every worker: the PostgreSQL advisory lock held while
# one of them creates the table.
SETUP_LOCK_KEY = int.from_bytes(b"hcrshare", "big")

metadata = MetaData()
shares = Table(
    "shares", metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("model", String(100), nullable=False),
    Column("char", String(4), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("top_json", Text, nullable=False),
    Column("charset", String(16), nullable=False),
    Column("image_png", LargeBinary, nullable=False),   # re-encoded by the server, never raw
    Column("input_png", LargeBinary, nullable=False),   # the 28x28 model input
    Column("delete_token_sha256", String(64), nullable=False),
)


@dataclass
class Share:
    id: str
    created_at: datetime
    model: str
    char: str
    confidence: float
    top: list
    charset: str
    image_png: bytes
    input_png: bytes


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")  # first: wait for other workers' locks
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
    cursor.close()


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class ShareStore:
    def __init__(self, url):
        self.url = url
        self.engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        with self._setup_lock() as bind:
            metadata.create_all(bind)

    @contextlib.contextmanager
    def _setup_lock(self):
        """gunicorn boots all its workers at once, and each sets up the store; one at a time
        must, or the loser fails to boot and the master shuts down. Two of them switching a new
        SQLite file to WAL together get "database is locked" (SQLite does not wait on that
        lock); two of them creating the table in a new PostgreSQL database together both see
        it missing, and the second CREATE fails. Yields what to create the table with."""
        database = self.engine.url.database
        if self.engine.dialect.name == "postgresql":
            # A transaction-level advisory lock: released at commit, or if the worker dies.
            with self.engine.begin() as connection:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": SETUP_LOCK_KEY})
                yield connection
            return
        if self.engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
            yield self.engine
            return
        with open(f"{database}.setup-lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield self.engine

    def create(self, model, char, confidence, top, charset, image_png, input_png):
        """Save a result; returns (id, delete_token). Only the token's hash is stored."""
        share_id = secrets.token_urlsafe(ID_BYTES)
        delete_token = secrets.token_urlsafe(ID_BYTES)
        with self.engine.begin() as connection:
            connection.execute(insert(shares).values(
                id=share_id, created_at=datetime.now(timezone.utc), model=model, char=char,
                confidence=float(confidence), top_json=json.dumps(top), charset=charset,
                image_png=image_png, input_png=input_png,
                delete_token_sha256=_token_hash(delete_token)))
        return share_id, delete_token

    def get(self, share_id):
        if not isinstance(share_id, str) or not ID_PATTERN.match(share_id):
            return None
        with self.engine.connect() as connection:
            row = connection.execute(select(shares).where(shares.c.id == share_id)).first()
        if row is None:
            return None
        created = row.created_at
        if created.tzinfo is None:  # SQLite keeps no zone; the store writes UTC
            created = created.replace(tzinfo=timezone.utc)
        return Share(row.id, created, row.model, row.char, row.confidence,
                     json.loads(row.top_json), row.charset, row.image_png, row.input_png)

    def delete(self, share_id, token):
        """Delete when the token is the share's delete token; True if something was deleted."""
        if not ID_PATTERN.match(share_id or "") or not token:
            return False
        with self.engine.begin() as connection:
            stored = connection.execute(
                select(shares.c.delete_token_sha256).where(shares.c.id == share_id)).scalar()
            if stored is None or not hmac.compare_digest(stored, _token_hash(token)):
                return False
            connection.execute(delete(shares).where(shares.c.id == share_id))
        return True

    def count(self):
        from sqlalchemy import func
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(shares)).scalar()
