"""The one GOV.UK form group (core/field.html) and error summary (core/error_summary.html),
drawn through the tags of core/templatetags/govuk_forms.py: ids, aria attributes, classes
and messages as a screen reader and the error summary's links rely on them."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template, TemplateSyntaxError

from core.form_errors import error_list, form_error_list


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag, self.attrs, self.text = tag, attrs, ""

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


class Page(HTMLParser):
    """Every element of a fragment with its attributes and its text (tags dropped,
    white space collapsed)."""

    VOID = {"input", "br"}

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data):
        for element in self._open:
            element.text = " ".join(f"{element.text} {data}".split())

    def all(self, tag: str) -> list[Element]:
        return [element for element in self.elements if element.tag == tag]

    def one(self, tag: str) -> Element:
        [element] = self.all(tag)
        return element

    def by_id(self, id_: str) -> Element:
        [element] = [e for e in self.elements if e.attrs.get("id") == id_]
        return element


def render(source: str, **context) -> str:
    return Template("{% load govuk_forms %}" + source).render(Context(context))


class ReturnForm(forms.Form):
    value = forms.CharField(label="Value", help_text="A percentage, such as 92.5")
    commentary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    state = forms.ChoiceField(choices=[("draft", "Draft"), ("submitted", "Submitted")])
    channel = forms.ChoiceField(
        choices=[("phone", "Phone"), ("email", "Email")], widget=forms.RadioSelect
    )


def bound_form(**data) -> ReturnForm:
    form = ReturnForm(data)
    form.is_valid()
    return form


# --- A Django form field -------------------------------------------------------------


def test_a_field_with_an_error_and_a_hint():
    form = bound_form(value="", state="draft", channel="phone")

    page = Page(render("{% field form.value %}", form=form))

    group = page.one("div")
    assert group.classes == ["form-group", "form-group-error"]
    label = page.one("label")
    assert (label.attrs["for"], label.text) == ("id_value", "Value")
    hint = page.by_id("value-hint")
    assert (hint.tag, hint.classes, hint.text) == ("p", ["hint"], "A percentage, such as 92.5")
    error = page.by_id("value-error")
    assert (error.tag, error.classes) == ("p", ["field-error"])
    assert error.text == "Error: This field is required."
    assert page.one("span").classes == ["visually-hidden"]
    assert page.one("span").text == "Error:"
    control = page.one("input")
    assert control.attrs["id"] == "id_value"
    assert control.attrs["name"] == "value"
    assert control.attrs["aria-describedby"] == "value-hint value-error"
    assert control.attrs["aria-invalid"] == "true"
    # The order a screen reader meets them in: label, hint, error, then the control.
    assert [e.attrs.get("id") for e in page.elements if e.tag in ("p", "input")] == [
        "value-hint",
        "value-error",
        "id_value",
    ]


def test_a_valid_field_is_described_by_its_hint_only():
    form = bound_form(value="92.5", state="draft", channel="phone")

    page = Page(render("{% field form.value %}", form=form))

    assert page.one("div").classes == ["form-group"]
    assert not [e for e in page.elements if "field-error" in e.classes]
    control = page.one("input")
    assert control.attrs["value"] == "92.5"
    assert control.attrs["aria-describedby"] == "value-hint"
    assert "aria-invalid" not in control.attrs


def test_a_field_without_hint_or_error_points_at_nothing():
    # Django would point a widget at "id_x_helptext" and "id_x_error"; this template
    # uses other ids, so the tag must not leave Django's in place.
    form = bound_form(value="1", state="draft", channel="phone")

    page = Page(render("{% field form.state %}", form=form))

    select = page.one("select")
    assert (select.attrs["id"], page.one("label").attrs["for"]) == ("id_state", "id_state")
    assert "aria-describedby" not in select.attrs
    assert "aria-invalid" not in select.attrs


def test_every_id_a_control_points_at_is_on_the_page():
    form = bound_form(value="", commentary="", state="nonsense", channel="phone")

    html = render(
        "{% field form.value %}{% field form.commentary %}{% field form.state %}", form=form
    )

    page = Page(html)
    ids = {e.attrs["id"] for e in page.elements if e.attrs.get("id")}
    described = [c for c in page.elements if "aria-describedby" in c.attrs]
    assert [c.attrs["id"] for c in described] == ["id_value", "id_state"]
    for control in described:
        assert set(control.attrs["aria-describedby"].split()) <= ids
    for label in page.all("label"):
        assert label.attrs["for"] in ids
    assert page.by_id("state-error").text.startswith("Error: Select a valid choice.")


def test_messages_a_service_gave_show_when_the_field_has_none_and_share_one_id():
    valid = bound_form(value="92.5", state="draft", channel="phone")
    invalid = bound_form(value="", state="draft", channel="phone")
    problems = ["Value is too large", "Value <b>must</b> be a percentage"]

    page = Page(render("{% field form.value error=problems %}", form=valid, problems=problems))
    own = Page(render("{% field form.value error=problems %}", form=invalid, problems=problems))

    error = page.by_id("value-error")
    assert error.text == "Error: Value is too large Value <b>must</b> be a percentage"
    assert len(page.all("br")) == 1
    assert not page.all("b")  # a message is text, never markup
    assert page.one("input").attrs["aria-invalid"] == "true"
    assert page.one("input").attrs["aria-describedby"] == "value-hint value-error"
    assert page.one("div").classes == ["form-group", "form-group-error"]
    # The field's own errors come first: the form was not valid, no service was asked.
    assert own.by_id("value-error").text == "Error: This field is required."


def test_label_and_hint_can_be_replaced_and_optional_fields_say_so():
    form = bound_form(value="1", state="draft", channel="phone")

    html = render(
        '{% field form.value label="Figure" hint="Such as 92.5" %}'
        "{% field form.state mark_optional=True %}{% field form.commentary mark_optional=True %}",
        form=form,
    )

    page = Page(html)
    assert [label.text for label in page.all("label")] == [
        "Figure",
        "State",
        "Commentary (optional)",
    ]
    assert page.by_id("value-hint").text == "Such as 92.5"
    assert page.all("input")[0].attrs["aria-describedby"] == "value-hint"


def test_a_prefixed_forms_ids_keep_the_prefix():
    form = ReturnForm({"escalation-value": ""}, prefix="escalation")
    form.is_valid()

    page = Page(render("{% field form.value %}", form=form))

    assert page.one("input").attrs["id"] == "id_escalation-value"
    assert page.one("input").attrs["aria-describedby"] == (
        "escalation-value-hint escalation-value-error"
    )
    assert page.by_id("escalation-value-error").text == "Error: This field is required."


def test_radios_are_a_fieldset_with_a_legend_described_as_a_whole():
    form = bound_form(value="1", state="draft")

    page = Page(render("{% field form.channel %}", form=form))

    assert "id_channel" not in [label.attrs.get("for") for label in page.all("label")]
    fieldset = page.one("fieldset")
    assert fieldset.attrs["aria-describedby"] == "channel-error"
    assert page.one("legend").text == "Channel"
    assert page.by_id("channel-error").text == "Error: This field is required."
    radios = page.all("input")
    assert [radio.attrs["value"] for radio in radios] == ["phone", "email"]
    assert all("aria-describedby" not in radio.attrs for radio in radios)


# --- A control written in the page ---------------------------------------------------


def test_a_form_group_around_a_written_control():
    html = render(
        '{% form_group "id_since" label="From (date)" hint="Such as 2025-09-30" '
        "error=errors.since %}"
        '<input id="id_since" name="since" type="date" value="{{ since }}"{{ aria }}>'
        "{% endform_group %}[{{ aria }}]",
        errors={"since": "'x' is not a date: use the form 2025-09-30"},
        since="x",
    )

    assert (
        '<input id="id_since" name="since" type="date" value="x"'
        ' aria-describedby="since-hint since-error" aria-invalid="true">'
    ) in html
    page = Page(html)
    assert page.one("div").classes == ["form-group", "form-group-error"]
    assert page.one("label").attrs["for"] == "id_since"
    assert page.one("label").text == "From (date)"
    assert page.by_id("since-hint").text == "Such as 2025-09-30"
    assert page.by_id("since-error").text == "Error: 'x' is not a date: use the form 2025-09-30"
    # ``aria`` belongs to the control inside the form group only.
    assert html.endswith("[]")


def test_a_form_group_without_an_error_or_hint():
    html = render(
        '{% form_group "f-state" label="State" error=errors.state %}'
        '<select id="f-state" name="state"{{ aria }}></select>{% endform_group %}',
        errors={},
    )

    assert '<select id="f-state" name="state"></select>' in html
    assert Page(html).one("div").classes == ["form-group"]
    assert "field-error" not in html and "hint" not in html


def test_label_and_hint_sections_hold_markup_and_logic():
    html = render(
        '{% form_group "id_file" error=problems %}'
        "{% label %}{% if incoming %}From{% else %}To{% endif %}{% endlabel %}"
        "{% hint %}Up to {{ megabytes }} MB. Columns: <code>value</code>{% endhint %}"
        '<input id="id_file" name="file" type="file"{{ aria }}>'
        "{% endform_group %}",
        problems=["The file is empty"],
        incoming=False,
        megabytes="<25>",
    )

    page = Page(html)
    assert page.one("label").text == "To"
    hint = page.by_id("file-hint")
    assert hint.text == "Up to <25> MB. Columns: value"
    assert page.one("code").text == "value"  # markup written in the template is kept
    assert "&lt;25&gt;" in html  # a variable is escaped as anywhere else
    assert page.one("input").attrs["aria-describedby"] == "file-hint file-error"


def test_checkboxes_under_a_legend():
    html = render(
        '{% form_group "id_file_format" legend="Formats" error=errors.file_format %}'
        '<input type="checkbox" id="id_file_format_pdf" name="file_format" value="pdf"{{ aria }}>'
        ' <label for="id_file_format_pdf">PDF</label>'
        "{% endform_group %}",
        errors={"file_format": "Choose at least one format: PDF"},
    )

    page = Page(html)
    group = page.one("div")
    # The error summary links to the group by the id given.
    assert group.attrs["id"] == "id_file_format"
    assert group.classes == ["form-group", "form-group-error"]
    assert page.one("fieldset").attrs["aria-describedby"] == "file_format-error"
    assert page.one("legend").text == "Formats"
    assert page.by_id("file_format-error").text == "Error: Choose at least one format: PDF"
    checkbox = page.one("input")
    assert "aria-describedby" not in checkbox.attrs and "aria-invalid" not in checkbox.attrs


@pytest.mark.parametrize(
    "source",
    [
        '{% form_group "id_x" %}<input>{% endform_group %}',
        '{% form_group "id_x" label="X" width="short" %}<input>{% endform_group %}',
        '{% form_group label="X" %}<input>{% endform_group %}',
    ],
)
def test_a_form_group_without_label_or_with_unknown_options_is_refused(source):
    with pytest.raises(TemplateSyntaxError):
        render(source)


def test_for_field_picks_one_fields_messages_from_the_views_triples():
    errors = [
        ("note", "id_note", "Enter a note"),
        ("__all__", "main", "Already acknowledged"),
        ("note", "id_note", "Keep it under 2,000 characters"),
    ]

    assert render('{{ errors|for_field:"note"|join:"|" }}', errors=errors) == (
        "Enter a note|Keep it under 2,000 characters"
    )
    assert render('{{ errors|for_field:"note"|length }}', errors=[]) == "0"


# --- The error summary ---------------------------------------------------------------


def summary_links(html: str) -> list[tuple[str, str]]:
    page = Page(html)
    return [(link.attrs["href"], link.text) for link in page.all("a")]


def test_the_summary_links_each_message_to_its_anchor():
    html = render(
        "{% error_summary errors %}",
        errors=error_list(
            ValidationError({"since": "'x' is not a date", "file_format": "Choose a format"}),
            {"since": "id_since", "file_format": "id_file_format"},
        ),
    )

    page = Page(html)
    summary = page.by_id("error-summary")
    assert (summary.tag, summary.classes) == ("div", ["error-summary"])
    assert summary.attrs["role"] == "alert"
    assert summary.attrs["tabindex"] == "-1"
    assert "data-autofocus" in summary.attrs
    assert summary.attrs["aria-labelledby"] == "error-summary-title"
    assert page.by_id("error-summary-title").text == "There is a problem"
    assert summary_links(html) == [
        ("#id_since", "'x' is not a date"),
        ("#id_file_format", "Choose a format"),
    ]


def test_the_summary_of_the_return_views_triples_links_by_their_anchor():
    html = render(
        "{% error_summary errors %}",
        errors=[
            ("commentary", "id_commentary", "Explain why the result is red"),
            ("period", "period-error", "October 2025 is already signed off."),
        ],
    )

    assert summary_links(html) == [
        ("#id_commentary", "Explain why the result is red"),
        ("#period-error", "October 2025 is already signed off."),
    ]


class SignInForm(forms.Form):
    username = forms.CharField(label="Username")
    password = forms.CharField(label="Password", widget=forms.PasswordInput)

    def clean(self):
        if self.cleaned_data.get("username") == "x":
            raise forms.ValidationError("Enter a correct username and password")
        return self.cleaned_data


def test_the_summary_of_a_form_of_djangos_own_messages_names_each_field():
    missing = SignInForm({"username": "", "password": ""})
    wrong = SignInForm({"username": "x", "password": "y"})

    missing_html = render(
        "{% error_summary errors %}", errors=form_error_list(missing, name_fields=True)
    )
    wrong_html = render(
        "{% error_summary errors %}", errors=form_error_list(wrong, name_fields=True)
    )

    # Django's own messages do not name their field, so the summary does.
    assert summary_links(missing_html) == [
        ("#id_username", "Username: This field is required."),
        ("#id_password", "Password: This field is required."),
    ]
    # An error of the whole form links to its first field.
    assert summary_links(wrong_html) == [("#id_username", "Enter a correct username and password")]


@pytest.mark.parametrize("errors", [[], (), None, "form"])
def test_no_error_no_summary(errors):
    if errors == "form":
        errors = form_error_list(SignInForm({"username": "alice", "password": "secret"}))
    assert render("{% error_summary errors %}", errors=errors).strip() == ""


def test_the_summary_takes_only_triples():
    with pytest.raises(ValueError):
        render("{% error_summary errors %}", errors=[("id_since", "'x' is not a date")])


def test_a_summary_with_its_own_title_description_and_unlinked_messages():
    html = render(
        '{% error_summary errors title="The notice cannot be produced yet" description=d %}',
        errors=error_list(ValidationError(["Rate every KPI", "Approve it"]), anchor="")
        + error_list(ValidationError("See every problem"), anchor="problems"),
        d="Nothing was imported",
    )

    page = Page(html)
    assert page.by_id("error-summary-title").text == "The notice cannot be produced yet"
    assert [e.text for e in page.all("p")] == ["Nothing was imported"]
    assert [e.text for e in page.all("li")] == [
        "Rate every KPI",
        "Approve it",
        "See every problem",
    ]
    assert summary_links(html) == [("#problems", "See every problem")]
    description_only = render('{% error_summary errors description="Failed" %}', errors=[])
    assert Page(description_only).by_id("error-summary-title").text == "There is a problem"


def test_a_prefixed_forms_errors_link_to_its_prefixed_inputs():
    form = SignInForm({"risk-username": "", "risk-password": "y"}, prefix="risk")

    html = render(
        "{% error_summary errors %}{% field form.username %}",
        errors=form_error_list(form),
        form=form,
    )

    assert summary_links(html) == [("#id_risk-username", "This field is required.")]
    assert Page(html).by_id("id_risk-username").tag == "input"


def test_the_summary_links_land_on_the_fields_the_form_groups_draw():
    form = bound_form(value="", state="nonsense", channel="phone")

    html = render(
        "{% error_summary errors %}{% field form.value %}{% field form.state %}",
        errors=form_error_list(form),
        form=form,
    )

    page = Page(html)
    ids = {e.attrs["id"] for e in page.elements if e.attrs.get("id")}
    targets = [href.removeprefix("#") for href, _ in summary_links(html)]
    assert targets == ["id_value", "id_state"]
    assert set(targets) <= ids
