"""Millwright project package: settings, urls, the Celery app. No domain code lives here."""

from suite.celery import app as celery_app

__all__ = ["celery_app"]
