"""Imports through the API: start one (a file or JSON rows) and follow its progress.

The same ``start_import`` as the upload page; the answer is 202 with the job's URL,
which reports progress while running and the row errors if the file is rejected.
"""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core.api.errors import error_responses, request_example
from core.api.parsers import BoundedJSONParser
from core.cells import ImportRejected
from departments.imports.filters import ImportJobFilter
from departments.imports.progress import job_progress
from departments.imports.services import start_import
from departments.models import ImportJob


class ImportJobSerializer(serializers.ModelSerializer):
    processed_rows = serializers.SerializerMethodField()
    percent_done = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "kind",
            "original_name",
            "file_format",
            "status",
            "total_rows",
            "processed_rows",
            "percent_done",
            "created_count",
            "updated_count",
            "unchanged_count",
            "errors",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    # As the status page says it (departments.imports.progress): a two-pass import's
    # percentage fills half while checking and half while saving, never going back.
    # Read once per job (one cache read), however many fields show it.
    def _progress(self, job: ImportJob) -> dict:
        read = self.__dict__.setdefault("_progress_by_job", {})
        if job.pk not in read:
            read[job.pk] = job_progress(job)
        return read[job.pk]

    def get_processed_rows(self, job: ImportJob) -> int:
        return self._progress(job)["processed"]

    def get_percent_done(self, job: ImportJob) -> int:
        return self._progress(job)["percent"]

    def get_url(self, job: ImportJob) -> str:
        return reverse("importjob-detail", args=[job.pk], request=self.context.get("request"))


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The imports the user started (administrators: all), newest first."""

    serializer_class = ImportJobSerializer
    filterset_class = ImportJobFilter

    def get_queryset(self):
        return ImportJob.objects.visible_to(self.request.user)


IMPORT_REQUEST = inline_serializer(
    "ImportRequest",
    fields={
        "file": serializers.FileField(required=False, help_text="A CSV or XLSX file."),
        "rows": serializers.ListField(
            child=serializers.DictField(),
            required=False,
            help_text="Rows as JSON objects keyed by column.",
        ),
    },
)
IMPORT_EXAMPLES = [
    request_example(
        "Returns as JSON rows",
        {"rows": [{"indicator_code": "LPI-HOU-03", "period": "2025-26-P06", "value": "91.5"}]},
    ),
    request_example(
        "SLA results as JSON rows",
        {"rows": [{"sla_code": "NETWORK-AVL-01", "period": "2025-26-P06", "value": "99.7"}]},
    ),
]
IMPORT_RESPONSES = {
    202: ImportJobSerializer,
    # 400: the file or rows were refused, with each rejected row's errors; 403: the user
    # may not import this kind of rows. Both in the shared error shapes.
    **error_responses(400, 403),
}


def start_import_response(request, kind: str) -> Response:
    """Shared by every viewset's ``import`` action (returns now; referrals, SLA results)."""
    uploaded = request.FILES.get("file")
    rows = None if uploaded is not None else request.data.get("rows")
    if uploaded is None and rows is None:
        return Response(
            {"file": ["Send a CSV or XLSX file as 'file', or JSON 'rows'."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    try:
        job = start_import(kind=kind, actor=request.user, uploaded_file=uploaded, rows=rows)
    except ImportRejected as rejected:
        return Response(
            {"file": [rejected.message], "errors": [error.as_dict() for error in rejected.errors]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    job.refresh_from_db()
    body = ImportJobSerializer(job, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


IMPORT_PARSERS = [MultiPartParser, FormParser, BoundedJSONParser]
