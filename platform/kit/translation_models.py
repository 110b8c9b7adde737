"""What every translation table shares: one owner's text in one of the store's extra languages, one row a language."""

from typing import Any, ClassVar

from django.db import models
from django.db.models.signals import class_prepared


class TranslationRow(models.Model):
    """An owner's text in one of the store's extra languages; the owner's own fields are in the store's default
    language, which buyers read where there is no translation (docs/languages.md).

    A subclass adds the foreign key to its owner (named ``owner_field``, ``related_name="translations"``) and its
    texts, the first of which (``text_field``) is never empty, and takes its ``Meta.ordering`` and
    ``Meta.constraints`` from ``translation_ordering`` and ``translation_constraints``.
    """

    # A code of settings.LANGUAGES ("zh-hans"); the services only write languages the store offers as extra ones.
    language = models.CharField(max_length=10)
    updated_at = models.DateTimeField(auto_now=True)

    owner_field: ClassVar[str]
    text_field: ClassVar[str]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, f'{self.owner_field}_id')} [{self.language}] {getattr(self, self.text_field)}"


def translation_ordering(owner_field: str) -> list[str]:
    """A translation table's order: by owner, then language."""
    return [f"{owner_field}_id", "language"]


def translation_constraints(*, owner_field: str, text_field: str, prefix: str) -> list[models.BaseConstraint]:
    """One row per owner and language, and never an empty ``text_field``; named ``<prefix>_one_per_language`` and
    ``<prefix>_<text_field>_not_empty``."""
    return [
        models.UniqueConstraint(fields=[owner_field, "language"], name=f"{prefix}_one_per_language"),
        models.CheckConstraint(condition=~models.Q(**{text_field: ""}), name=f"{prefix}_{text_field}_not_empty"),
    ]


def _keep_column_order(sender: type[models.Model], **kwargs: Any) -> None:
    """Give a translation model its columns in the tables' order: the key, the owner, the language, the texts,
    ``updated_at`` last.

    Django orders a model's fields by when they were defined, which would put this base's before the subclass's
    own; a store archive lists each model's columns in field order and refuses an archive whose order differs.
    """
    if not issubclass(sender, TranslationRow) or sender._meta.abstract:
        return
    place = {sender.owner_field: 1, "language": 2, "updated_at": 4}
    sender._meta.local_fields.sort(key=lambda field: 0 if field.primary_key else place.get(field.name, 3))
    sender._meta._expire_cache()  # type: ignore[attr-defined]  # the field lists Django worked out from the old order


class_prepared.connect(_keep_column_order)
