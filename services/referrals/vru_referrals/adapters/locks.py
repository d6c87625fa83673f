"""Transaction-scoped advisory locks on PostgreSQL, several in one statement.

Each key is locked as `UnitOfWork.serialise_on` locks it (`pg_advisory_xact_lock(hashtextextended(key, 0))`),
so the two kinds of taking meet on the same locks; they are taken one after another in the order
given, which is what keeps two takers from waiting on each other in a circle.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Subquery, Text, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY


def taking_locks(name: str = "locked") -> Subquery:
    """A one-row subquery that takes the locks on the keys bound as `lock_keys`, in their order.

    `unnest ... WITH ORDINALITY` gives the keys in the array's order and the ORDER BY says so; the
    aggregate takes each lock as its row arrives, and waits for one held until it is released.
    """
    keys = (func.unnest(bindparam("lock_keys", type_=ARRAY(Text)))
            .table_valued("key", with_ordinality="position").render_derived())
    ordered = select(keys.c.key).order_by(keys.c.position).subquery("ordered_keys")
    lock = func.pg_advisory_xact_lock(func.hashtextextended(ordered.c.key, literal(0, BigInteger)))
    return select(func.count(lock).label("locks_taken")).subquery(name)


# Built once: SQLAlchemy remembers a statement's cache key on it, so executing it again finds its
# compiled form without walking it.
TAKE_LOCKS = select(taking_locks().c.locks_taken)
