"""Website audits, when the audit domain is installed.

The ``audit`` table belongs to another domain and may not exist (or may not
exist *yet*) in a database; campaigns detect it instead of importing its
model, so templates render without it (``audit`` is None) and audience filters
on audit scores give a clear error when there is nothing to filter on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, func, inspect, select
from sqlmodel import Session

from leadq.errors import UserError

AUDIT_TABLE = "audit"


def audit_table(session: Session) -> Table | None:
    """The reflected audit table, or None when this database has none."""
    bind = session.get_bind()
    if not inspect(bind).has_table(AUDIT_TABLE):
        return None
    table = Table(AUDIT_TABLE, MetaData(), autoload_with=bind)
    return table if "lead_id" in table.c else None


def audit_column(table: Table | None, name: str) -> Any:
    """A column of the audit table, or UserError saying why it cannot be filtered on."""
    if table is None:
        raise UserError(f"audience filter on `{name}` needs website audits, and this database has none yet")
    if name not in table.c:
        raise UserError(f"the audit table has no `{name}` column to filter on")
    return table.c[name]


def latest_audit(lead_id: int, *, session: Session) -> dict[str, Any] | None:
    """The newest audit of a lead as a plain dict (for templates), or None."""
    table = audit_table(session)
    if table is None:
        return None
    order = table.c["id"].desc() if "id" in table.c else None
    query = select(table).where(table.c["lead_id"] == lead_id)
    if order is not None:
        query = query.order_by(order)
    row = session.connection().execute(query.limit(1)).mappings().first()
    return dict(row) if row else None


def latest_audits_subquery(table: Table):
    """lead_id -> newest audit row id, for audience queries."""
    return (
        select(table.c["lead_id"], func.max(table.c["id"]).label("audit_id"))
        .group_by(table.c["lead_id"])
        .subquery()
    )
