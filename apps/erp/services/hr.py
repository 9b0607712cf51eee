"""HR: departments, employees and their time off (plain master data, audited)."""

from django.db import transaction

from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company, Membership
from apps.core.services.records import record_create, record_delete, record_update
from apps.erp.models import Department, Employee, TimeOff

EMPLOYEE_FIELDS = ("number", "name", "user", "department", "hourly_cost", "active")
TIME_OFF_FIELDS = ("employee", "kind", "start", "end", "note")


def _check_employee(company: Company, fields: dict, instance: Employee | None = None) -> None:
    department, user = fields.get("department"), fields.get("user")
    require_same_company(company, department=department)
    if user is not None:
        if not Membership.objects.filter(company=company, user=user).exists():
            raise DomainError("user", f"{user} is not a member of {company.code}.", code="not_a_member")
        taken = Employee.objects.filter(company=company, user=user)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise ConflictError("user", f"{user} is already the user of employee {taken.first()}.",
                                code="user_taken")


@transaction.atomic
def department_create(*, company: Company, actor, **fields) -> Department:
    """A new department."""
    return record_create(model=Department, actor=actor, company=company,
                         **{k: v for k, v in fields.items() if k in ("code", "name")})


@transaction.atomic
def department_update(*, instance: Department, actor, **fields) -> Department:
    """Rename a department."""
    return record_update(instance=instance, actor=actor, **{k: v for k, v in fields.items() if k in ("code", "name")})


@transaction.atomic
def department_delete(*, instance: Department, actor) -> None:
    """Delete a department without employees (else 409)."""
    record_delete(instance=instance, actor=actor)


@transaction.atomic
def employee_create(*, company: Company, actor, **fields) -> Employee:
    """A new employee: number, name, department, hourly cost, optionally their user (a member of the company)."""
    fields = {k: v for k, v in fields.items() if k in EMPLOYEE_FIELDS}
    _check_employee(company, fields)
    return record_create(model=Employee, actor=actor, company=company, **fields)


@transaction.atomic
def employee_update(*, instance: Employee, actor, **fields) -> Employee:
    """Change an employee (deactivate rather than delete one who has left)."""
    fields = {k: v for k, v in fields.items() if k in EMPLOYEE_FIELDS}
    _check_employee(instance.company, fields, instance)
    return record_update(instance=instance, actor=actor, **fields)


@transaction.atomic
def employee_delete(*, instance: Employee, actor) -> None:
    """Delete an employee (their time off goes with them)."""
    record_delete(instance=instance, actor=actor)


def _check_time_off(company: Company, fields: dict) -> None:
    employee = fields.get("employee")
    require_same_company(company, employee=employee)
    start, end = fields.get("start"), fields.get("end")
    if start is not None and end is not None and end < start:
        raise DomainError("end", "The last day cannot be before the first.", code="invalid")


@transaction.atomic
def time_off_create(*, company: Company, actor, **fields) -> TimeOff:
    """Record an employee's absence (first and last day included)."""
    fields = {k: v for k, v in fields.items() if k in TIME_OFF_FIELDS}
    _check_time_off(company, fields)
    return record_create(model=TimeOff, actor=actor, company=company, **fields)


@transaction.atomic
def time_off_update(*, instance: TimeOff, actor, **fields) -> TimeOff:
    """Change an absence."""
    fields = {k: v for k, v in fields.items() if k in TIME_OFF_FIELDS}
    _check_time_off(instance.company, {"start": instance.start, "end": instance.end, **fields})
    return record_update(instance=instance, actor=actor, **fields)
