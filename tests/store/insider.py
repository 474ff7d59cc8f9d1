"""What an insider with the database file does: writes straight into the tables, around the
register (and around the models' own check that every write of a sealed column or index
gives its row a new MAC, store.models.SealedModel)."""

from __future__ import annotations

import peewee as pw


def raw_update(model: type[pw.Model], where, **values) -> int:
    """UPDATE ``model`` SET ``values`` WHERE ``where``, as SQL run against the file."""
    data = {model._meta.fields[name]: value for name, value in values.items()}
    return pw.ModelUpdate(model, data).where(where).execute()
