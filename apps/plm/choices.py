"""Status and type choices of PLM."""

from django.db import models


class ItemType(models.TextChoices):
    MAKE = "make", "Make"
    BUY = "buy", "Buy"
    PHANTOM = "phantom", "Phantom"


class Tracking(models.TextChoices):
    NONE = "none", "None"
    LOT = "lot", "Lot"
    SERIAL = "serial", "Serial"


class LifecycleState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    RELEASED = "released", "Released"
    OBSOLETE = "obsolete", "Obsolete"


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    RELEASED = "released", "Released"
    SUPERSEDED = "superseded", "Superseded"
    OBSOLETE = "obsolete", "Obsolete"
