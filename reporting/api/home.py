"""The user's home through the API: the same to-do lists as the home page
(``reporting.todo.home_lists``), cut to the same scope."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from reporting.todo import home_lists


class ToDoItemSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="What to do, in words: the link's text on the page.")
    url = serializers.CharField(help_text="The path of the page where it is done.")
    detail = serializers.CharField(
        help_text="A line beside it: when it is due, who submitted it, how late. May be empty."
    )
    count = serializers.IntegerField(help_text="How many things this one link covers.")


class ToDoListSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text=(
            "Which list: returns_due, returns_missing, returns_sent_back (officer); "
            "returns_awaiting_approval, department_returns_missing (head of service); "
            "sla_results_to_verify, disputes_open, warnings_to_acknowledge, sign_off and "
            "returns_awaiting_approval (SMT); sla_results_due, disputes_to_answer, "
            "milestones_due (partner manager); recent_report_runs, changes_since_last_visit "
            "(auditor). An administrator gets the SMT's and the auditor's."
        )
    )
    title = serializers.CharField()
    lead = serializers.CharField(help_text="What the list is, in a sentence. May be empty.")
    flag = serializers.CharField(help_text="A warning, such as 'Overdue by 15 days'; or empty.")
    count = serializers.IntegerField(help_text="How many things are to do in this list in all.")
    summary = serializers.CharField(help_text="The count in words: '3 returns'.")
    items = ToDoItemSerializer(many=True, help_text="The first ten things to do.")
    more = ToDoItemSerializer(
        allow_null=True, help_text="A link to every one, when there are more than ten."
    )
    empty = serializers.CharField(help_text="What the page says when the list is empty.")


@extend_schema_serializer(many=False)  # one home, though served by the viewset's list
class HomeSerializer(serializers.Serializer):
    role = serializers.CharField(allow_null=True, help_text="The user's main role, in words.")
    lists = ToDoListSerializer(many=True)


class HomeViewSet(viewsets.ViewSet):
    """The signed-in user's to-do lists, exactly as their home page shows them."""

    @extend_schema(responses={200: HomeSerializer})
    def list(self, request):
        return Response(HomeSerializer(home_lists(request.user)).data)
