"""The role homes as to-do lists (issue 16, item 1): for each role, what waits for the
user, each thing a link to the page where it is done, each list with its count. The home
page (``reporting.pages.home``) and ``GET /api/v1/home/`` (``reporting.api.home``) both
show ``home_lists``, so their counts cannot differ.

One module per concern, each building its lists: ``returns``, ``sla_results``,
``contracts``, ``early_warnings``, ``audit``, ``scrutiny``; ``lists`` holds what they are made
of, ``homes`` which lists each role's home shows."""

from reporting.todo.audit import CHANGES_SHOWN, RECENT_RUN_DAYS
from reporting.todo.contracts import MILESTONE_HORIZON_DAYS, NOTICE_DUE_AHEAD_DAYS
from reporting.todo.homes import home_context, home_lists
from reporting.todo.lists import SHOWN, Home, ToDoItem, ToDoList
from reporting.todo.sla_results import sla_results_due

__all__ = [
    "CHANGES_SHOWN",
    "MILESTONE_HORIZON_DAYS",
    "NOTICE_DUE_AHEAD_DAYS",
    "RECENT_RUN_DAYS",
    "SHOWN",
    "Home",
    "ToDoItem",
    "ToDoList",
    "home_context",
    "home_lists",
    "sla_results_due",
]
