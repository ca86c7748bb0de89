"""A committee's scrutiny items for its papers, as PDF and XLSX: the same rows, read back."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from scrutiny import services
from scrutiny.models import Subject
from tests.pdf_text import pdf_words
from tests.scrutiny.conftest import SIGNED

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(committee, mo, harriet, signed_council):
    """mo's committee, with mo's question answered."""
    item = services.ask(
        actor=mo,
        subject=Subject.INDICATOR,
        indicator=signed_council,
        period_key=SIGNED,
        text="Why did re-lets slow?",
        committee=committee,
    )
    services.answer(item=item, actor=harriet, text="Two voids needed major works.")
    return committee


def test_the_papers_as_a_workbook(client, mo, committee):
    client.force_login(mo)
    response = client.get(reverse("scrutiny:committee-papers", args=[committee.pk, "xlsx"]))
    assert response.status_code == 200
    assert "scrutiny-overview-and-scrutiny.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Asked", "About", "Kind")
    assert rows[1][1] == "LPI-HOU-03 Homes re-let, September 2025"
    assert rows[1][4] == "Why did re-lets slow?"
    assert rows[1][5] == "Answered"
    assert rows[1][7] == "Two voids needed major works."
    assert len(rows) == 2


def test_the_papers_as_a_pdf(client, mo, committee):
    client.force_login(mo)
    response = client.get(reverse("scrutiny:committee-papers", args=[committee.pk, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # Narrow table cells wrap their text over lines: read it as words.
    text = pdf_words(response.content)
    assert "Overview and Scrutiny: scrutiny items" in text
    assert "Why did re-lets slow?" in text
    assert "Two voids needed major works." in text


def test_the_committees_papers_are_for_its_members_and_the_council(client, committee, alice, sam):
    url = reverse("scrutiny:committee-papers", args=[committee.pk, "xlsx"])
    client.force_login(alice)
    assert client.get(url).status_code == 404
    client.force_login(sam)
    assert client.get(url).status_code == 200


def test_a_head_reads_only_the_items_routed_to_their_departments(
    client, mo, harriet, sam, committee, partnership
):
    """The partnership's question goes to the SMT: Housing's head, who may read the
    committee's page and papers, sees Housing's item there and not the SMT's."""
    smts = services.ask(
        actor=mo,
        subject=Subject.PARTNERSHIP,
        partnership=partnership,
        period_key=SIGNED,
        text="Is the partner on track?",
        committee=committee,
    )
    housings = committee.items.exclude(pk=smts.pk).get()
    page = reverse("scrutiny:committee", args=[committee.pk])
    papers = reverse("scrutiny:committee-papers", args=[committee.pk, "xlsx"])

    def seen(user) -> tuple[set[int], set[str]]:
        client.force_login(user)
        html = client.get(page).content.decode()
        linked = {
            pk for pk in (housings.pk, smts.pk) if reverse("scrutiny:item", args=[pk]) in html
        }
        sheet = load_workbook(io.BytesIO(client.get(papers).content)).worksheets[0]
        texts = {str(row[4].value) for row in sheet.iter_rows(min_row=2) if row[4].value}
        return linked, texts

    assert seen(harriet) == ({housings.pk}, {"Why did re-lets slow?"})
    assert seen(sam) == (
        {housings.pk, smts.pk},
        {"Why did re-lets slow?", "Is the partner on track?"},
    )
