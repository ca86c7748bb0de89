"""The one write of publication: publish an indicator to residents, edit its words, or
withdraw it. The SMT's page, the API and the demo seeding all call ``set_publication``.

Each change is saved through the model, so django-simple-history records it in the audit
trail with who, when, why and every value before and after; a ``post_save`` receiver
(``publication.cache``) retires the cached portal.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.concurrency import Conflict, insert_first
from departments import history, roles
from departments.models import PerformanceIndicator
from departments.numbers import text_errors
from publication.models import TITLE_LIMIT, PublishedIndicator, Theme


@dataclass(frozen=True)
class PublicationWords:
    """What residents read about one indicator: its title, description and theme."""

    public_title: str
    public_description: str
    theme: str


def _clean_words(words: PublicationWords) -> PublicationWords:
    errors: dict[str, str] = {}
    title, description = words.public_title.strip(), words.public_description.strip()
    if not title:
        errors["public_title"] = "Enter the title residents will read"
    elif len(title) > TITLE_LIMIT:
        errors["public_title"] = (
            f"The title residents will read must be {TITLE_LIMIT} characters or fewer "
            f"(it has {len(title)})"
        )
    if not description:
        errors["public_description"] = "Enter a description in plain English for residents"
    else:
        errors.update(
            text_errors(public_description=(description, "The description for residents"))
        )
    if words.theme not in Theme.values:
        errors["theme"] = "Choose a theme from the list"
    if errors:
        raise ValidationError(errors)
    return PublicationWords(title, description, words.theme)


@transaction.atomic
def set_publication(
    *,
    indicator: PerformanceIndicator,
    actor,
    published: bool,
    words: PublicationWords | None = None,
    reason: str = "",
    words_only: bool = False,
    unpublished_only: bool = False,
) -> PublishedIndicator:
    """Publish ``indicator`` with ``words`` (or change the words of one published), or,
    with ``published=False``, withdraw it with a ``reason``. Only SMT and administrators
    may (the people who sign periods off: publication follows sign-off).

    Publishing needs the words the first time; later they are kept unless given.
    Withdrawing needs a reason and keeps the row, so publishing again restores it. Nothing
    changes when nothing would (no empty audit entry). ``words_only`` changes the words of
    an indicator already published and refuses (ValidationError under ``published``) one
    withdrawn or never published: editing words never publishes by the way.
    ``unpublished_only`` is the converse, for a request to publish (the API's ``POST``):
    it refuses (``Conflict``, 409) an indicator already published, whose words residents
    read now and the caller has not, instead of replacing them.
    """
    if not roles.may_sign_off(actor):
        raise PermissionDenied("Only SMT and administrators choose what is published.")
    current = PublishedIndicator.objects.select_for_update().filter(indicator=indicator).first()
    if published:
        if words_only and (current is None or not current.is_published):
            raise ValidationError(
                {
                    "published": f"{indicator.code} is not published: publish it (again) "
                    "to change its words for residents"
                }
            )
        if unpublished_only and current is not None and current.is_published:
            raise _already_published(indicator, current)
        return _publish(indicator, actor, current, words)
    return _withdraw(actor, current, reason)


def _publish(indicator, actor, current: PublishedIndicator | None, words) -> PublishedIndicator:
    if not indicator.is_active:
        raise ValidationError({"indicator": f"{indicator.code} is no longer in use"})
    if words is None:
        if current is None:
            raise ValidationError({"public_title": "Enter the title residents will read"})
        words = PublicationWords(current.public_title, current.public_description, current.theme)
    words = _clean_words(words)
    record = current or PublishedIndicator(indicator=indicator)
    unchanged = (
        current is not None
        and current.is_published
        and (current.public_title, current.public_description, current.theme)
        == (words.public_title, words.public_description, words.theme)
    )
    if unchanged:
        return current
    if current is None or not current.is_published:
        record.published_by, record.published_at = actor, timezone.now()
        record.withdrawn_by = record.withdrawn_at = None
        record.withdraw_reason = ""
        why = "Published" if current is None else "Published again"
    else:
        why = "Words for residents changed"
    record.public_title = words.public_title
    record.public_description = words.public_description
    record.theme = words.theme
    history.attribute(record, actor, why)
    if current is not None:
        record.save()
        return record
    # Two first publications of the indicator at the same moment: one is stored, the
    # other told who published it (the select_for_update above had no row to lock).
    return insert_first(
        record,
        winner=PublishedIndicator.objects.filter(indicator=indicator).first,
        conflict=lambda winner: _already_published(indicator, winner),
    )


def _already_published(indicator: PerformanceIndicator, winner: PublishedIndicator) -> Conflict:
    who = winner.published_by.get_full_name() or winner.published_by.get_username()
    return Conflict(
        {
            "published": f"{indicator.code} is already published (by {who}): read the "
            "words residents now see, and change them there if need be"
        }
    )


def _withdraw(actor, current: PublishedIndicator | None, reason: str) -> PublishedIndicator:
    if current is None or not current.is_published:
        raise ValidationError({"published": "This indicator is not published."})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for withdrawing it from the portal"})
    if long_texts := text_errors(reason=(reason, "Reason for withdrawing")):
        raise ValidationError(long_texts)
    current.withdrawn_by, current.withdrawn_at = actor, timezone.now()
    current.withdraw_reason = reason
    history.attribute(current, actor, f"Withdrawn: {reason}")
    current.save()
    return current
