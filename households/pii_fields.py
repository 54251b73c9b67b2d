"""Model fields of personal data at rest (PIPL 个人敏感信息): encrypted columns and the keyed hashes beside them.

- `EncryptedCharField`: the column holds a `households.pii.encrypt_value` token bound to the field
  (`<app>.<model>.<field>` as associated data: a token copied into another column fails to decrypt); Python
  reads and writes plain text (`get_prep_value` encrypts, `from_db_value` decrypts: model instances,
  `values()`, `values_list()` and `Subquery(...values("field"))` annotations all read the number). SQL cannot
  compare a random-nonce ciphertext, so the field refuses every lookup but `isnull` and `= ""` (has a value or
  not): a missed `filter(id_number=...)`, `__startswith` or `__in` fails loudly instead of finding nobody.
  Look members up through `households.selectors.members_matching_id` / `members_with_id_numbers` (hashes).
  `max_length` stays the plain text's (forms, validation); the column is as wide as the token of it.
- `IdHashField(source=..., part=...)`: the keyed hash (`households.pii.keyed_hash`) of a part of the ID number
  in `source` (full, head6, tail4, tail6), filled by the field itself on every write: `save()` and
  `bulk_create` (`pre_save`), `relief.bulk_insert.insert_rows` (`row_value`), `bulk_update` and
  `save(update_fields=...)` through `fill_derived` / `with_derived` (Member.save and the registry writer).

Raw SQL (the ledgers' cursors) reads tokens: decrypt them with `households.pii.decrypt_value(token,
field=field_label(Model, "name"))`, or better `decrypt_column(Model, "name", token)`.
"""
from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact

from . import pii

# The version of a key is short (`RELIEF_DATA_KEY` "2:..."); a token has room for up to 8 characters of it.
VERSION_ROOM = 8
NONCE_AND_TAG = 12 + 16
HASH_LENGTH = 1 + VERSION_ROOM + 1 + 64  # k<version>$<hex sha256>


def token_length(chars: int) -> int:
    """The width of the column holding the token of `chars` characters (4 UTF-8 bytes each at most)."""
    data = chars * 4 + NONCE_AND_TAG
    return 1 + VERSION_ROOM + 1 + 4 * ((data + 2) // 3)


def field_label(model, name: str) -> str:
    """What a column's tokens are bound to: `<app label>.<model name>.<field name>`."""
    meta = model._meta
    return f"{meta.app_label}.{meta.model_name}.{name}"


def decrypt_column(model, name: str, token: str | None) -> str:
    """The plain text of a token read by raw SQL from `model`'s column `name`."""
    return pii.decrypt_value(token or "", field=field_label(model, name))


class EncryptedValueLookupRefused(FieldError):
    pass


class _EmptyOnlyExact(Exact):
    """`field=""`: whether a value was recorded at all, the one comparison a ciphertext still allows."""

    def __init__(self, lhs, rhs):
        if rhs is not None and rhs != "":  # None: Django turns `field=None` into isnull
            raise EncryptedValueLookupRefused(
                f"{lhs.target.model.__name__}.{lhs.target.name} is encrypted at rest: it can be compared with '' "
                "only. Look ID numbers up through households.selectors (keyed hashes).")
        super().__init__(lhs, rhs)


class EncryptedCharField(models.CharField):
    description = "Text encrypted at rest (personal data)"

    @property
    def aad(self) -> str:
        return field_label(self.model, self.name)

    def db_type_parameters(self, connection):
        return {"max_length": token_length(self.max_length)}

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return pii.encrypt_value(value, field=self.aad)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return pii.decrypt_value(value, field=self.aad)

    def row_value(self, row: dict, default):
        """What relief.bulk_insert writes for this column (COPY bypasses get_prep_value)."""
        return self.get_prep_value(row.get(self.attname, default))

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _EmptyOnlyExact
        raise EncryptedValueLookupRefused(
            f"{self.model.__name__}.{self.name} is encrypted at rest: lookup '{lookup_name}' cannot work in SQL. "
            "Look ID numbers up through households.selectors (keyed hashes); decrypt in Python.")

    def get_transform(self, lookup_name):
        raise EncryptedValueLookupRefused(
            f"{self.model.__name__}.{self.name} is encrypted at rest: transform '{lookup_name}' cannot work in SQL.")


class IdHashField(models.CharField):
    description = "Keyed hash of part of an ID number"

    def __init__(self, *args, source: str = "id_number", part: str = "full", **kwargs):
        if part not in pii.ID_PARTS:
            raise ValueError(f"unknown ID number part {part!r}")
        self.source, self.part = source, part
        kwargs.setdefault("max_length", HASH_LENGTH)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["part"] = self.source, self.part
        if kwargs.get("max_length") == HASH_LENGTH:
            del kwargs["max_length"]
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def hash_of(self, number: str | None) -> str:
        number = (number or "").strip().upper()
        return pii.keyed_hash(pii.ID_PARTS[self.part](number), part=self.part) if number else ""

    def pre_save(self, model_instance, add):
        value = self.hash_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value

    def row_value(self, row: dict, default):
        return self.hash_of(row.get(self.source))


class TokenOutOfPlace(ValueError):
    """A decrypted number disagrees with its row's keyed hash: the token was copied in from another row."""


def check_row(instance) -> None:
    """Bind a row's ID number to the row: the token is bound to its column only (a random-nonce ciphertext
    is made before the row has a key), so a token copied from another member's row would decrypt; its
    number then disagrees with this row's full hash, which is checked whenever both were loaded."""
    loaded = instance.__dict__
    for field in hash_fields(type(instance)):
        if field.part != "full" or not loaded.get(field.attname) or field.source not in loaded:
            continue
        stored = loaded[field.attname]
        key = pii.key_of(pii.token_version(stored))
        number = (loaded[field.source] or "").strip().upper()
        if pii.keyed_hash(number, part="full", key=key) != stored:
            raise TokenOutOfPlace(f"{type(instance).__name__} {instance.pk}: {field.source} does not belong to this row")


def hash_fields(model) -> list[IdHashField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, IdHashField)]


def with_derived(model, names):
    """`names` (fields to write), with the hash fields of any source among them: for save(update_fields=...)
    and bulk_update, which call no pre_save of the fields they leave out."""
    names = list(names)
    extra = [f.name for f in hash_fields(model) if f.source in names and f.name not in names]
    return names + extra


def fill_derived(instance) -> None:
    """Set the hash fields of an instance from its ID number (before a bulk_update)."""
    for field in hash_fields(type(instance)):
        field.pre_save(instance, False)
