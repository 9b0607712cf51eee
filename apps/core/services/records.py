"""Generic audited create/update/delete for plain master data without rules of its own.

List values in `data` are child rows (`addresses=[{...}]` → `party.addresses`); an update
replaces the children it is given.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

from apps.core.audit import record_change, snapshot
from apps.core.errors import ConflictError, DomainError, from_validation_error


def _split(data: dict) -> tuple[dict, dict[str, list[dict]], dict[str, list]]:
    fields, children, many = {}, {}, {}
    for key, value in data.items():
        if isinstance(value, list | tuple) and (not value or isinstance(value[0], dict)):
            children[key] = list(value)
        elif isinstance(value, list | tuple):
            many[key] = list(value)
        else:
            fields[key] = value
    return fields, children, many


def _clean(obj: models.Model, *, prefix: str = "", exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=True)
    except ValidationError as exc:
        raise from_validation_error(exc, prefix=prefix) from exc


def _write_children(instance: models.Model, children: dict[str, list[dict]]) -> None:
    for related_name, rows in children.items():
        relation = instance._meta.get_field(related_name)
        manager = getattr(instance, related_name)
        manager.all().delete()
        for index, row in enumerate(rows):
            child = relation.related_model(**{relation.field.name: instance}, **row)
            _clean(child, prefix=f"{related_name}.{index}.", exclude=[relation.field.name])
            child.save()


@transaction.atomic
def record_create(*, model: type[models.Model], actor, **data) -> models.Model:
    """Validate and create a record (with child rows), and audit it."""
    fields, children, many = _split(data)
    instance = model(**fields)
    _clean(instance)
    instance.save()
    for name, values in many.items():
        getattr(instance, name).set(values)
    _write_children(instance, children)
    record_change(instance, actor=actor, action="create")
    return instance


@transaction.atomic
def record_update(*, instance: models.Model, actor, **data) -> models.Model:
    """Validate and apply changes to a record (and replace given child rows), and audit it."""
    instance = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    before = snapshot(instance)
    fields, children, many = _split(data)
    fields.pop("company", None)  # a record never moves between companies
    for name, value in fields.items():
        setattr(instance, name, value)
    _clean(instance)
    instance.save()
    for name, values in many.items():
        getattr(instance, name).set(values)
    _write_children(instance, children)
    record_change(instance, actor=actor, action="update", before=before)
    return instance


@transaction.atomic
def record_delete(*, instance: models.Model, actor) -> None:
    """Delete a record that nothing else refers to, and audit it; a record in use answers 409."""
    before = snapshot(instance)
    record_change(instance, actor=actor, action="delete", before=before, after=None)
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        raise ConflictError(None, f"{instance} is in use by other records and cannot be deleted.",
                            code="protected") from exc


def require(condition: bool, field: str | None, message: str) -> None:
    """Raise a DomainError naming `field` unless `condition` holds."""
    if not condition:
        raise DomainError(field, message)
