"""The reply-outcome and AI-result migrations: exactly the models' columns, both ways, on SQLite
and (when LEADQ_TEST_POSTGRES_URL is set) Postgres."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from leadq.ai.models import AiResult
from leadq.db import alembic_config, ensure_schema
from leadq.leads.models import Lead


@pytest.mark.parametrize("store", ["settings", "postgres_settings"])
def test_the_migrations_add_exactly_the_models_columns_and_take_them_back(store, request):
    engine = ensure_schema(request.getfixturevalue(store))
    for table in (Lead.__table__, AiResult.__table__):
        assert {c["name"] for c in inspect(engine).get_columns(table.name)} == set(table.columns.keys())
    config = alembic_config(engine)
    command.downgrade(config, "0010_lead_reply_outcome@0008_ai")
    inspector = inspect(engine)
    assert "ai_result" not in inspector.get_table_names()
    assert not {"replied_at", "reply_verdict", "ai_conversion_label"} & {
        c["name"] for c in inspector.get_columns("lead")
    }
    command.upgrade(config, "heads")
    assert "ai_result" in inspect(engine).get_table_names()
