"""Domain errors: raised by services, mapped to form errors in the UI and problem+json in the API."""


class DomainError(Exception):
    """Bad input or a broken business rule; names the field (or None for the whole record)."""

    status_code = 400
    code = "invalid"

    def __init__(self, field: str | None, message: str, *, code: str | None = None, extra: dict | None = None,
                 errors: list[tuple[str | None, str, str]] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.extra = extra or {}
        if code:
            self.code = code
        # (field, code, message) for every problem; one by default, several from model validation
        self.errors = errors or [(field, self.code, message)]

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ConflictError(DomainError):
    """The request is valid but conflicts with the current state (answers 409)."""

    status_code = 409
    code = "conflict"


class TransitionNotAllowed(ConflictError):
    """A status change that the model's transition table does not allow from the current status."""

    code = "transition_not_allowed"


class PayloadTooLargeError(DomainError):
    """An upload or body larger than the suite accepts (answers 413)."""

    status_code = 413
    code = "too_large"


class PermissionDeniedError(DomainError):
    """The actor's role does not allow this step (answers 403)."""

    status_code = 403
    code = "permission_denied"


def from_validation_error(exc, *, prefix: str = "") -> DomainError:
    """Turn Django's ValidationError (from full_clean) into a DomainError naming every field."""
    errors: list[tuple[str | None, str, str]] = []
    if hasattr(exc, "error_dict"):
        for name, items in exc.error_dict.items():
            field = None if name == "__all__" else f"{prefix}{name}"
            errors += [(field, e.code or "invalid", " ".join(e.messages)) for e in items]
    else:
        errors += [(prefix.rstrip(".") or None, e.code or "invalid", " ".join(e.messages)) for e in exc.error_list]
    first = errors[0]
    return DomainError(first[0], first[2], code=first[1], errors=errors)
