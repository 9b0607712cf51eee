"""Abstract bases every business model builds on: timestamps and company ownership."""

import logging
from contextlib import nullcontext

from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE

logger = logging.getLogger(__name__)


def checks_held(instance: models.Model, model: type[models.Model], checks: list, *, exclude, using) -> dict[int, bool]:
    """Whether `instance` satisfies each of several `CheckConstraint`s, asked in one statement: `{id(check): held}`.

    Django asks the database once per check constraint, each in a savepoint (three statements a check). A check
    that names an excluded field is left out (Django skips it too); when the statement fails, `{}`, and the
    caller asks Django's way, check by check (which lets a check the database cannot evaluate pass, logged)."""
    if len(checks) < 2:
        return {}
    query = Query(None)
    for name, value in instance._get_field_expression_map(meta=model._meta, exclude=exclude).items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else models.Value(value), name,
                             select=False)
    asked = []
    for index, check in enumerate(checks):
        try:
            query.add_annotation(Coalesce(models.Q(check.condition), models.Value(True),
                                          output_field=models.BooleanField()), f"_check_{index}")
        except FieldError:
            continue
        asked.append(check)
    if not asked:
        return {}
    connection = connections[using]
    try:
        with transaction.atomic(using=using) if connection.in_atomic_block else nullcontext():
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError as error:
        logger.warning("Could not evaluate the check constraints of %s together: %s", model.__name__, error)
        return {}
    return {id(check): bool(held) for check, held in zip(asked, row, strict=True)}


def read_from_database(instance: models.Model, field: models.ForeignKey) -> bool:
    """Whether `instance`'s foreign key `field` holds a row read from the database (set as an instance, not an id),
    with nothing for validation to check but that the row exists: no `limit_choices_to`, no validators."""
    if field.remote_field.limit_choices_to or field.validators or not field.is_cached(instance):
        return False
    target = field.get_cached_value(instance)
    return (target is not None and not target._state.adding
            and getattr(target, field.target_field.attname) == getattr(instance, field.attname))


class TimeStampedModel(models.Model):
    """A row that knows when it was created and last changed (drives `?updated_after=`)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Django's `clean_fields`, without the query (one per key) asking whether a foreign key's row exists when
        the key was set to a row read from the database (`read_from_database`): a service that passes the rows it
        has read validates without reading them again. A key set by id is checked Django's way."""
        loaded = {f.name for f in self._meta.concrete_fields if f.many_to_one and read_from_database(self, f)}
        super().clean_fields(exclude=set(exclude or ()) | loaded)

    def validate_constraints(self, exclude=None):
        """Django's `validate_constraints` (the same errors, keyed the same way), with the model's check
        constraints evaluated in one statement (`checks_held`) instead of one savepoint and query each."""
        using = router.db_for_write(self.__class__, instance=self)
        errors = {}
        for model_class, model_constraints in self.get_constraints():
            held = checks_held(self, model_class, [c for c in model_constraints if type(c) is models.CheckConstraint],
                               exclude=exclude, using=using)
            for constraint in model_constraints:
                try:
                    if id(constraint) in held:
                        if not held[id(constraint)]:
                            raise ValidationError(constraint.get_violation_error_message(),
                                                  code=constraint.violation_error_code)
                    else:
                        constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as e:
                    if getattr(e, "code", None) == "unique" and len(constraint.fields) == 1:
                        errors.setdefault(constraint.fields[0], []).append(e)
                    else:
                        errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class CompanyScopedQuerySet(models.QuerySet):
    """Filters rows to the companies a user may see; the one place company scoping lives."""

    def for_companies(self, company_ids):
        return self.filter(**{f"{self.model.company_path}__in": company_ids})


class CompanyOwnedModel(TimeStampedModel):
    """A business row that belongs to exactly one company."""

    company = models.ForeignKey("core.Company", on_delete=models.PROTECT, related_name="+")

    objects = CompanyScopedQuerySet.as_manager()

    company_path = "company"

    class Meta:
        abstract = True
