"""The share store on SQLite, and on PostgreSQL where HCR_TEST_POSTGRES_URL names a server
(CI starts one: see .ci/run)."""

import itertools
import os
import sqlite3
import threading

import pytest

from webapp.store import ShareStore

POSTGRES_URL = os.environ.get("HCR_TEST_POSTGRES_URL")


def require_postgres():
    """Skip a PostgreSQL case where no server is named; in CI, fail instead."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must test the store on PostgreSQL: HCR_TEST_POSTGRES_URL is unset")
        pytest.skip("HCR_TEST_POSTGRES_URL not set")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield ShareStore(f"sqlite:///{tmp_path / 'shares.sqlite3'}")
        return
    require_postgres()
    store = ShareStore(POSTGRES_URL)
    yield store
    from webapp.store import shares
    with store.engine.begin() as connection:
        connection.execute(shares.delete())


def save(store, char="A"):
    return store.create(model="m", char=char, confidence=0.9, top=[{"char": char, "p": 0.9}],
                        charset="any", image_png=b"\x89PNG image", input_png=b"\x89PNG input")


def test_create_get_delete(store):
    share_id, token = save(store)
    share = store.get(share_id)
    assert share.char == "A" and share.top == [{"char": "A", "p": 0.9}]
    assert share.image_png == b"\x89PNG image" and share.created_at.tzinfo is not None
    assert not store.delete(share_id, "not the token")
    assert store.get(share_id) is not None
    assert store.delete(share_id, token)
    assert store.get(share_id) is None
    assert not store.delete(share_id, token)


def test_ids_are_unguessable_and_odd_ids_are_not_found(store):
    ids = {save(store)[0] for _ in range(20)}
    assert len(ids) == 20 and all(len(i) == 22 for i in ids)
    for odd in ("", "x", "../../etc/passwd", "' OR 1=1 --", "A" * 22, "é" * 22):
        assert store.get(odd) is None


def test_concurrent_writers_lose_nothing(store):
    created, errors = [], []

    def writer():
        try:
            for _ in range(25):
                created.append(save(store)[0])
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(created) == 200 and all(store.get(i) for i in created)


def test_sqlite_runs_in_wal_mode(tmp_path):
    path = tmp_path / "shares.sqlite3"
    save(ShareStore(f"sqlite:///{path}"))
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _open_and_save(url, barrier):
    barrier.wait()
    store = ShareStore(url)
    save(store)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path):
    """A function that gives the URL of a new, empty database on each call."""
    if request.param == "sqlite":
        paths = (tmp_path / f"shares-{n}.sqlite3" for n in itertools.count())
        yield lambda: f"sqlite:///{next(paths)}"
        return
    require_postgres()
    from sqlalchemy import create_engine, make_url, text

    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    names = []

    def create():
        names.append(f"hcr_boot_test_{os.getpid()}_{len(names)}")
        with server.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {names[-1]}"))
        return make_url(POSTGRES_URL).set(database=names[-1]).render_as_string(
            hide_password=False)

    yield create
    with server.connect() as connection:
        for name in names:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    server.dispose()


def test_workers_booting_together_on_a_new_database(new_database):
    """gunicorn starts every worker at once; each opens the store and creates its table. On a
    new SQLite file two of them switching it to WAL together got 'database is locked'; on a new
    PostgreSQL database two of them creating the table together can both try, and one fails
    on the unique index of the catalogue. Either way the worker fails and the master shuts
    down."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    for attempt in range(5):
        url = new_database()
        barrier = context.Barrier(4)
        workers = [context.Process(target=_open_and_save, args=(url, barrier))
                   for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
        assert ShareStore(url).count() == 4
