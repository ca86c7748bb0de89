"""The ``reports`` endpoint: ask for a report run (202), follow it, download its file.

The same service as the pages (reporting.reports.services.request_report); Django's
ValidationError and PermissionDenied become 400 and 403 through the API's one error
handler. A run outside the caller's scope is a 404.
"""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import error_responses, example_response
from reporting.models import ReportRun, ReportState
from reporting.reports import services
from reporting.reports.kinds import REPORTS


class ReportRunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "url",
            "kind",
            "file_format",
            "parameters",
            "trigger",
            "state",
            "progress",
            "requested_by",
            "filename",
            "size",
            "sha256",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def _absolute(self, name: str, run: ReportRun) -> str:
        path = reverse(name, args=[run.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, run: ReportRun) -> str:
        return self._absolute("report-detail", run)

    def get_download_url(self, run: ReportRun) -> str:
        return self._absolute("report-download", run)


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(REPORTS))
    file_format = serializers.ChoiceField(choices=["csv", "xlsx", "pdf"])
    parameters = serializers.DictField(
        required=False,
        default=dict,
        help_text=(
            "period (a month such as 2025-26-P06) or year (such as 2025-26) as the report "
            "needs; optional department and partnership ids; for the audit trail since, "
            "until (ISO dates), person (a user id) and object_type."
        ),
    )


class ProblemSerializer(serializers.Serializer):
    detail = serializers.CharField()


@extend_schema_view(
    list=extend_schema(summary="Report runs: your own; an auditor's, everyone's"),
    retrieve=extend_schema(summary="One report run: its state, progress and checksum"),
)
class ReportRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReportRunSerializer
    queryset = ReportRun.objects.none()  # the schema's model; get_queryset scopes it

    def get_queryset(self):
        return ReportRun.objects.visible_to(self.request.user).select_related("requested_by")

    @extend_schema(
        summary="Ask for a report run",
        request=ReportRequestSerializer,
        # 400: unknown report or format, or bad parameters; 403: the report holds nothing
        # within your scope. Both in the API's shared error shapes.
        responses={202: ReportRunSerializer, **error_responses(400, 403)},
    )
    def create(self, request, *args, **kwargs):
        """Stores the run and queues it; answers 202 with the run and its URL (Location)."""
        asked = ReportRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        run = services.request_report(
            actor=request.user,
            kind=asked.validated_data["kind"],
            file_formats=[asked.validated_data["file_format"]],
            parameters=asked.validated_data["parameters"],
        )[0]
        run.refresh_from_db()  # built already when Celery runs eagerly
        body = ReportRunSerializer(run, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(
        summary="Download the run's file",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: example_response(
                409,
                ProblemSerializer,
                "The run is queued or running: try again shortly.",
                "Running",
                {"detail": "The report is running: try again shortly."},
            ),
            410: example_response(
                410,
                ProblemSerializer,
                "The run failed; retry it.",
                "Failed",
                {"detail": "The database was unavailable."},
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """200 with the file when done; 409 while queued or running; 410 when it failed."""
        run = self.get_object()
        if run.state == ReportState.FAILED:
            return Response({"detail": run.error}, status=status.HTTP_410_GONE)
        if run.state != ReportState.DONE:
            return Response(
                {"detail": f"The report is {run.get_state_display().lower()}: try again shortly."},
                status=status.HTTP_409_CONFLICT,
            )
        return FileResponse(
            run.file.open("rb"),
            content_type=run.content_type,
            headers={"Content-Disposition": content_disposition_header(True, run.filename)},
        )

    @extend_schema(summary="Retry a failed run", request=None, responses={202: ReportRunSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        run = services.retry_run(run=self.get_object(), actor=request.user)
        run.refresh_from_db()
        body = ReportRunSerializer(run, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
