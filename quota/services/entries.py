"""The SRE console's edits of the quota and access-list tables: every save and delete goes through here.

The admin forms validate; these write. Rows made here keep ``source`` 'admin' (the
model's default), so the next sync with the configuration files leaves them alone.
"""

from __future__ import annotations

from django.db import models, transaction


def quota_row_save(*, row: models.Model) -> None:
    """Save a row of the quota or access-list tables as edited in the admin."""
    row.save()


def quota_row_delete(*, row: models.Model) -> None:
    """Delete a row (an organisation takes its users and grants with it)."""
    row.delete()


@transaction.atomic
def quota_rows_delete(*, rows: models.QuerySet) -> int:
    """Delete the rows an admin selected for deletion; returns how many top-level rows went."""
    count = rows.count()
    rows.delete()
    return count
