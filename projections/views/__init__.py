"""The read views: one module per view, holding its tables, its fold and its queries."""

from __future__ import annotations

from projections.engine.base import View
from projections.views.agents import AgentsView
from projections.views.audit_log import AuditLogView
from projections.views.breaches import BreachesView
from projections.views.deadlines import DeadlinesView
from projections.views.leave import LeaveView
from projections.views.posts import PostsView

READ_VIEWS: tuple[type[View], ...] = (AgentsView, PostsView, LeaveView, AuditLogView,
                                      BreachesView, DeadlinesView)
"""Every read view, in the order the worker runs them."""
