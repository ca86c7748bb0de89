"""What a home is made of: to-do items in lists, and how many of each a list shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.words import plural
from departments.returns.selectors import ReturnDue

# A list shows its first few things to do; a link leads to the rest.
SHOWN = 10


@dataclass(frozen=True)
class ToDoItem:
    """One thing to do: ``text`` is the link's words, ``url`` the path of the page where
    it is done, ``detail`` a line beside it (when it is due, who submitted it, how late),
    ``count`` how many things the one link covers (results of a month: 16; a return: 1).
    ``record`` is the object behind it, for the page only (never in the API)."""

    text: str
    url: str
    detail: str = ""
    count: int = 1
    record: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ToDoList:
    """One list of a home: ``key`` names it for the API and tests, ``title`` and ``lead``
    say what it is, ``count`` how many things are to do in all (``noun`` counts them, as
    ``summary``: "3 returns"), ``items`` the first ``SHOWN`` of them (``more`` links to
    every one when there are more), ``flag`` a warning beside the lead ("Overdue by 15
    days"), ``empty`` what the list says when there is nothing to do."""

    key: str
    title: str
    noun: str
    count: int
    items: list[ToDoItem]
    empty: str
    lead: str = ""
    flag: str = ""
    more: ToDoItem | None = None

    @property
    def summary(self) -> str:
        return plural(self.count, self.noun)


@dataclass(frozen=True)
class Home:
    """A user's home: their role in words, their to-do lists in the order shown, and, for
    a department's people, where each return owed for the latest closed periods stands
    (``returns_due``; None for everyone else)."""

    role: str | None
    lists: list[ToDoList]
    returns: list[ReturnDue] | None = None

    def list(self, key: str) -> ToDoList | None:
        return next((todo for todo in self.lists if todo.key == key), None)


def more_link(count: int, text: str, url: str) -> ToDoItem | None:
    """The link to every thing to do, when there are more than a list shows."""
    return ToDoItem(text, url, count=count) if count > SHOWN else None
