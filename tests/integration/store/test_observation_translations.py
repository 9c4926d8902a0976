"""Observations keep their translations apart from the text as written (migration 5)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from consult.store import open_store
from consult.store import tables as store_tables
from consult.store.engine import create_store_engine
from tests.integration.store.test_store import observe, plan

GEORGIAN = {"ka": {"text": "რუსულ ენაზე სხდომებისთვის თარჯიმანი არ არის დაჯავშნილი."}}


def test_translations_are_stored_beside_the_text_and_a_change_is_an_update(
    empty_store_url: str,
) -> None:
    with open_store(empty_store_url, actor="lela") as store:
        plan(store)
        added, change = observe(store, language="en", translations=GEORGIAN)
        assert change == "added"
        assert added.text == "No interpreter is booked for hearings in Russian."
        assert (added.language, added.translations) == ("en", GEORGIAN)
        assert observe(store, language="en", translations=GEORGIAN)[1] == "unchanged"
        russian = {**GEORGIAN, "ru": {"text": "Переводчик не заказан.", "speaker_role": None}}
        updated, change = observe(store, language="en", translations=russian)
        assert change == "updated"
        assert updated.translations == russian
        [*_, logged] = [e for e in store.history("winter-2027") if e.action.startswith("obs")]
        assert logged.detail["changed"] == ["translations"]
        assert "Переводчик" not in str(logged.detail)


def test_a_version_4_store_gains_the_columns_and_keeps_its_observations(
    empty_store_url: str,
) -> None:
    v4 = sa.MetaData()
    for table in store_tables.metadata.sorted_tables:
        copy = table.to_metadata(v4)
        if table.name == "observations":
            for name in ("language", "translations"):
                copy._columns.remove(copy.c[name])
    engine = create_store_engine(empty_store_url)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with engine.begin() as connection:
        v4.create_all(connection)
        connection.execute(sa.insert(v4.tables["schema_version"]).values(id=1, version=4))
        connection.execute(
            sa.insert(v4.tables["meetings"]).values(
                id="winter-2027/round-1/mia", training="winter-2027", round="round-1",
                organisation="mia", format="online", status="proposed", start=now,
                end=now + dt.timedelta(hours=1), uid="u@consult", sequence=0, updated_at=now,
                facilitators=[],
            )
        )  # fmt: skip
        connection.execute(
            sa.insert(v4.tables["observations"]).values(
                key="notes/mia.md#1", meeting_id="winter-2027/round-1/mia", organisation="mia",
                kind="gap", theme="interpreters", severity=3, text="No interpreter.",
                confidentiality="internal", created_at=now, updated_at=now,
            )
        )  # fmt: skip
    engine.dispose()

    with open_store(empty_store_url) as store:
        [kept] = store.observations("winter-2027")
        assert (kept.text, kept.language, kept.translations) == ("No interpreter.", None, None)
        stored, _ = observe(store, "notes/mia.md#2", translations=GEORGIAN)
        assert stored.translations == GEORGIAN
