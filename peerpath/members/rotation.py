"""Re-encrypting stored values under the newest field key."""

from __future__ import annotations

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members.fields import EncryptedTextField, cipher
from peerpath.members.models import Member
from peerpath.members.search import refresh_tokens


def encrypted_models() -> list[tuple[type[Model], list[str]]]:
    """Every model (history tables included) with encrypted columns."""
    found = []
    for model in apps.get_models():
        cols = [str(f.column) for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if cols:
            found.append((model, cols))
    return found


def rotate_all(batch: int = 500) -> dict[str, int]:
    """Rewrite every encrypted column under the newest key, in one transaction
    (a failure leaves everything as it was). Works on raw column values so that
    ``auto_now`` fields and history are not touched."""
    c = cipher()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, cols in encrypted_models():
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(str(model._meta.pk.column))
            quoted = [connection.ops.quote_name(col) for col in cols]
            n, last = 0, None
            select = f"SELECT {pk}, {', '.join(quoted)} FROM {table}"  # noqa: S608
            while True:  # keyset pages: memory stays flat however large the table
                with connection.cursor() as cur:
                    if last is None:
                        cur.execute(f"{select} ORDER BY {pk} LIMIT %s", [batch])
                    else:
                        cur.execute(f"{select} WHERE {pk} > %s ORDER BY {pk} LIMIT %s", [last, batch])
                    rows = cur.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                for row in rows:
                    updates = {}
                    for col, value in zip(quoted, row[1:], strict=True):
                        if value and not c.is_current(value):
                            updates[col] = c.rotate(value)
                    if updates:
                        sets = ", ".join(f"{col} = %s" for col in updates)
                        with connection.cursor() as cur:
                            cur.execute(f"UPDATE {table} SET {sets} WHERE {pk} = %s", [*updates.values(), row[0]])  # noqa: S608
                        n += 1
            counts[model._meta.label] = n
        for member in Member.objects.all().iterator(chunk_size=batch):
            refresh_tokens(member)
        audit.record(Event.KEYS_ROTATED, actor=None, organization=None, extra={"rows": counts})
    return counts
