"""The GOV.UK Design System form group and error summary, each written once
(``core/templates/core/field.html`` and ``core/error_summary.html``).

    {% load govuk_forms %}
    {% error_summary errors %}
    {% error_summary problems title="The notice cannot be produced yet" %}
    {% field form.department %}
    {% form_group "id_since" label="From (date)" error=errors.since %}
      <input id="id_since" name="since" type="date" value="{{ values.since }}"{{ aria }}>
    {% endform_group %}

``field`` draws a Django form field with its own widget. ``form_group`` wraps a control
written in the page, for the pages without a Django form or whose control needs
attributes the form's widget lacks; inside it ``{{ aria }}`` is the control's
``aria-describedby`` (its hint and error) and ``aria-invalid``. A ``{% label %}`` or
``{% hint %}`` section inside a form_group gives a label or hint that holds markup or
template logic; the rest of the body is the control.

The hint and error ids are the control's id without Django's ``id_`` prefix and with
``-hint`` or ``-error``: ``id_period`` has ``period-hint`` and ``period-error``.
"""

from __future__ import annotations

from django import template
from django.template.base import token_kwargs
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

FIELD_TEMPLATE = "core/field.html"
FORM_GROUP_OPTIONS = {"label", "legend", "hint", "error"}
SECTIONS = ("label", "hint")


def _messages(error) -> list[str]:
    """An error as the views hand it over: nothing, one message, or a list of messages
    (a Django ErrorList among them)."""
    if not error:
        return []
    if isinstance(error, (str, Promise)):
        return [str(error)]
    return [str(message) for message in error]


def _group(
    *,
    control_id: str,
    label=None,
    legend=None,
    hint=None,
    messages: list[str],
    group_id: str = "",
) -> dict:
    """What core/field.html draws, with the hint and error ids and the ids that describe
    the control (or, under a legend, the fieldset as a whole)."""
    base = control_id.removeprefix("id_")
    hint_id, error_id = f"{base}-hint", f"{base}-error"
    return {
        "id": control_id,
        "group_id": group_id,
        "label": label,
        "legend": legend,
        "hint": hint,
        "hint_id": hint_id,
        "messages": messages,
        "error_id": error_id,
        "described_by": " ".join(([hint_id] if hint else []) + ([error_id] if messages else [])),
    }


def _control_attrs(group: dict) -> dict[str, str]:
    """aria-describedby and aria-invalid of a single control (a fieldset's checkboxes
    are described by their fieldset instead)."""
    attrs = {}
    if not group["legend"]:
        if group["described_by"]:
            attrs["aria-describedby"] = group["described_by"]
        if group["messages"]:
            attrs["aria-invalid"] = "true"
    return attrs


def _render(context, values: dict) -> SafeString:
    return context.template.engine.get_template(FIELD_TEMPLATE).render(context.new(values))


@register.simple_tag(takes_context=True)
def field(context, bound, *, label=None, hint=None, error=None, mark_optional=False):
    """A Django form field in its form group, drawn by its widget.

    ``label`` and ``hint`` replace the field's label and help text. ``error`` gives the
    messages to show when the field has none of its own: those a service raised once the
    form itself was valid. ``mark_optional=True`` adds " (optional)" to the label of a
    field that is not required.
    """
    label = label or bound.label
    if mark_optional and not bound.field.required:
        label = format_html("{} (optional)", label)
    fieldset = bound.use_fieldset  # radios and checkboxes: a legend, not a label
    group = _group(
        control_id=bound.id_for_label or bound.auto_id,
        label=None if fieldset else label,
        legend=label if fieldset else None,
        hint=hint or bound.help_text,
        messages=_messages(bound.errors) or _messages(error),
    )
    # Given here, these replace the ones Django would add (``id_x_helptext``), which
    # would point at ids this template does not use. Django adds its own only for a help
    # text or an error of the field, and both are always shown here.
    group["control"] = bound.as_widget(attrs=_control_attrs(group))
    return _render(context, group)


class FormGroupNode(template.Node):
    child_nodelists = ("label_section", "hint_section", "control")

    def __init__(self, control_id, options: dict, sections: dict, control: template.NodeList):
        self.control_id = control_id
        self.options = options
        self.label_section = sections.get("label")
        self.hint_section = sections.get("hint")
        self.control = control

    def render(self, context) -> SafeString:
        values = {name: value.resolve(context) for name, value in self.options.items()}
        # Sections are rendered with autoescape, so what they give is safe markup.
        if self.label_section is not None:
            values["label"] = self.label_section.render(context)
        if self.hint_section is not None:
            values["hint"] = self.hint_section.render(context)
        control_id = str(self.control_id.resolve(context))
        group = _group(
            control_id=control_id,
            label=values.get("label"),
            legend=values.get("legend"),
            hint=values.get("hint"),
            messages=_messages(values.get("error")),
            # The error summary links to a fieldset's group by the id it was given.
            group_id=control_id if values.get("legend") else "",
        )
        aria = format_html_join("", ' {}="{}"', _control_attrs(group).items())
        with context.push(aria=aria):
            group["control"] = self.control.render(context)
        return _render(context, group)


@register.tag
def form_group(parser, token) -> FormGroupNode:
    """``{% form_group "id" label=… legend=… hint=… error=… %}control{% endform_group %}``"""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("form_group needs the id of its control first")
    control_id = parser.compile_filter(bits[1])
    options = token_kwargs(bits[2:], parser)
    if len(options) != len(bits) - 2 or not set(options) <= FORM_GROUP_OPTIONS:
        raise template.TemplateSyntaxError(
            f"form_group takes only {', '.join(sorted(FORM_GROUP_OPTIONS))} as name=value"
        )
    sections: dict[str, template.NodeList] = {}
    control = template.NodeList()
    while True:
        control.extend(parser.parse((*SECTIONS, "endform_group")))
        name = parser.next_token().contents
        if name == "endform_group":
            break
        sections[name] = parser.parse((f"end{name}",))
        parser.delete_first_token()
    if not ({"label", "legend"} & (set(options) | set(sections))):
        raise template.TemplateSyntaxError("form_group needs a label or a legend")
    return FormGroupNode(control_id, options, sections, control)


@register.filter
def for_field(errors, name: str) -> list[str]:
    """The messages for one field among (field, anchor, message) triples:
    ``errors|for_field:"note"``."""
    return [message for field_name, _, message in errors or () if field_name == name]


@register.inclusion_tag("core/error_summary.html")
def error_summary(errors, *, title: str = "There is a problem", description: str = "") -> dict:
    """The error summary of a page: ``{% error_summary errors %}``, the errors being
    (field, anchor, message) triples built by ``core.form_errors``; nothing when there is
    neither an error nor a ``description``. ``title`` replaces the heading; a
    ``description`` is a paragraph above the list."""
    return {
        "links": [(anchor, message) for _, anchor, message in errors or ()],
        "title": title,
        "description": description,
    }
