"""The length limit of typed text on returns (issue 14, point 8): commentary, improvement
actions and the reasons for sending back and reopening hold at most TEXT_LIMIT (10,000)
characters. One more is refused before anything is written, through the form page, the
API and an import row alike, with a message naming the field and the limit.

Time is frozen on Saturday 28 November 2026 (Europe/London): October 2026 (2026-27-P07)
is the latest closed month.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.imports.services import start_import
from departments.models import ImportStatus, KpiReturn, PeriodSignOff, ReturnState
from departments.numbers import TEXT_LIMIT
from departments.returns.services import approve_return, reopen_return, save_return
from departments.returns.sign_off import reopen_period, sign_off_period
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 28, 12, tzinfo=LONDON)
P07 = "2026-27-P07"
# Words, so the page and the files carry text as people write it; exactly the lengths.
LONGEST = ("Rent arrears fell. " * 527)[: TEXT_LIMIT - 1] + "."
TOO_LONG = LONGEST + "."


def too_long(label: str) -> str:
    return f"{label} can be at most 10,000 characters (it has 10,001)"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def indicator(housing):
    # No target, so the return is "not rated": nothing else asks for commentary.
    return IndicatorFactory(department=housing, code="HOU-01", title="Repairs on time")


def test_the_texts_are_exactly_the_limit_and_one_more():
    assert (len(LONGEST), len(TOO_LONG)) == (10_000, 10_001)
    assert LONGEST.strip() == LONGEST


# --- commentary through the form page, the API and an import -------------------------------


def test_the_form_page_refuses_10001_characters_of_commentary_and_takes_10000(
    client, alice, indicator
):
    client.force_login(alice)
    url = f"/returns/enter/{indicator.pk}/{P07}/"
    form = {"value": "91.5", "improvement_action": "", "action": "save"}

    refused = client.post(url, {**form, "commentary": TOO_LONG})

    assert refused.status_code == 400
    assert ("commentary", "id_commentary", too_long("Commentary")) in refused.context["errors"]
    assert too_long("Commentary") in refused.content.decode()
    assert not KpiReturn.objects.exists()

    taken = client.post(url, {**form, "commentary": LONGEST})

    assert taken.status_code == 302
    assert KpiReturn.objects.get().commentary == LONGEST


def test_the_api_refuses_10001_characters_of_commentary_and_takes_10000(client, alice, indicator):
    client.force_login(alice)
    body = {"indicator": indicator.pk, "period": P07, "value": "91.5"}

    refused = client.post(
        "/api/v1/returns/", {**body, "commentary": TOO_LONG}, content_type="application/json"
    )

    assert refused.status_code == 400
    assert refused.json() == {"commentary": [too_long("Commentary")]}
    assert not KpiReturn.objects.exists()

    taken = client.post(
        "/api/v1/returns/", {**body, "commentary": LONGEST}, content_type="application/json"
    )

    assert taken.status_code == 201, taken.json()
    assert taken.json()["commentary"] == LONGEST


def _import(actor, text: str, capture):
    upload = SimpleUploadedFile("returns.csv", text.encode(), content_type="text/csv")
    with capture(execute=True):
        job = start_import(kind="returns", actor=actor, uploaded_file=upload)
    job.refresh_from_db()
    return job


def test_an_import_row_with_10001_characters_of_commentary_is_a_row_error(
    alice, indicator, django_capture_on_commit_callbacks
):
    header = "indicator_code,period,value,commentary\n"

    refused = _import(
        alice, f"{header}HOU-01,{P07},91.5,{TOO_LONG}\n", django_capture_on_commit_callbacks
    )

    assert refused.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in refused.errors] == [
        (2, "commentary", too_long("Commentary"))
    ]
    assert not KpiReturn.objects.exists()

    taken = _import(
        alice, f"{header}HOU-01,{P07},91.5,{LONGEST}\n", django_capture_on_commit_callbacks
    )

    assert taken.status == ImportStatus.SUCCEEDED, taken.errors
    assert KpiReturn.objects.get().commentary == LONGEST


def test_an_improvement_action_has_the_same_limit(alice, indicator):
    with pytest.raises(ValidationError) as refused:
        save_return(
            indicator=indicator,
            period_key=P07,
            actor=alice,
            value="91.5",
            commentary=TOO_LONG,
            improvement_action=TOO_LONG,
        )

    assert refused.value.message_dict == {
        "commentary": [too_long("Commentary")],
        "improvement_action": [too_long("Improvement action")],
    }
    assert not KpiReturn.objects.exists()
    # Measured as stored: the spaces around a text are not kept, so they do not count.
    saved = save_return(
        indicator=indicator,
        period_key=P07,
        actor=alice,
        value="91.5",
        improvement_action=f"  {LONGEST}\n",
    )
    assert saved.improvement_action == LONGEST


# --- reasons: sending back and reopening --------------------------------------------------------


def _submitted(indicator, alice) -> KpiReturn:
    return save_return(indicator=indicator, period_key=P07, actor=alice, value="91.5", submit=True)


def test_a_reason_for_sending_back_over_the_limit_is_refused_through_the_api(
    client, alice, harriet, indicator
):
    submitted = _submitted(indicator, alice)
    client.force_login(harriet)
    url = f"/api/v1/returns/{submitted.pk}/send-back/"

    refused = client.post(url, {"reason": TOO_LONG}, content_type="application/json")

    assert refused.status_code == 400
    assert refused.json() == {"reason": [too_long("Reason for sending back")]}
    submitted.refresh_from_db()
    assert (submitted.state, submitted.version) == (ReturnState.SUBMITTED, 1)


def test_a_long_reason_for_sending_back_is_kept_whole_in_the_audit_trail(
    client, alice, harriet, indicator
):
    """The audit trail's reason column was 100 characters: PostgreSQL refused any longer
    reason with a server error, and SQLite kept it only because it ignores lengths."""
    submitted = _submitted(indicator, alice)
    client.force_login(harriet)

    response = client.post(f"/returns/{submitted.pk}/send-back/", {"reason": LONGEST}, follow=True)

    assert response.status_code == 200
    assert "Return sent back to the department with your reason." in response.content.decode()
    submitted.refresh_from_db()
    assert (submitted.state, submitted.sent_back_reason) == (ReturnState.SENT_BACK, LONGEST)
    assert submitted.history.latest().history_change_reason == f"Sent back: {LONGEST}"


def test_the_page_shows_the_message_for_a_reason_over_the_limit(client, alice, harriet, indicator):
    submitted = _submitted(indicator, alice)
    client.force_login(harriet)

    response = client.post(f"/returns/{submitted.pk}/send-back/", {"reason": TOO_LONG}, follow=True)

    assert too_long("Reason for sending back") in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == ReturnState.SUBMITTED


def test_reasons_for_reopening_a_return_and_a_period_have_the_same_limit(
    alice, harriet, sam, indicator
):
    approve_return(kpi_return=_submitted(indicator, alice), actor=harriet)
    sign_off_period(period_key=P07, actor=sam)
    locked = KpiReturn.objects.get()
    assert locked.state == ReturnState.LOCKED

    with pytest.raises(ValidationError) as refused_return:
        reopen_return(kpi_return=locked, actor=sam, reason=TOO_LONG)
    with pytest.raises(ValidationError) as refused_period:
        reopen_period(period_key=P07, actor=sam, reason=TOO_LONG)

    assert refused_return.value.message_dict == {"reason": [too_long("Reason for reopening")]}
    assert refused_period.value.message_dict == {"reason": [too_long("Reason for reopening")]}
    locked.refresh_from_db()
    assert locked.state == ReturnState.LOCKED
    assert PeriodSignOff.objects.active().count() == 1

    assert reopen_period(period_key=P07, actor=sam, reason=LONGEST) == 1
    assert PeriodSignOff.objects.get().reopen_reason == LONGEST
    reopened = KpiReturn.objects.get()
    assert reopened.history.latest().history_change_reason == f"Period reopened: {LONGEST}"


def test_a_text_over_the_limit_does_not_hide_a_bad_figure(client, alice, indicator):
    client.force_login(alice)

    refused = client.post(
        "/api/v1/returns/",
        {"indicator": indicator.pk, "period": P07, "value": "lots", "commentary": TOO_LONG},
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert refused.json() == {
        "commentary": [too_long("Commentary")],
        "value": ["Value must be a number, like 92.5"],
    }
