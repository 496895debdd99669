"""Compatibility name for the decision log, which now lives in ``server.review.log``.

``from server.review_log import ReviewLog, Decision`` keeps working; the schema (decisions,
encounters, audit) and its migrations are in ``server.review.schema``.
"""
from server.review.log import ACTIONS, Decision, ReviewLog, now
from server.review.schema import SQLITE as MIGRATIONS

__all__ = ["ACTIONS", "Decision", "MIGRATIONS", "ReviewLog", "now"]
