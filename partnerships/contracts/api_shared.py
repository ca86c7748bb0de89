"""What the contract's two API modules (``api`` for KPIs, assessments and plans,
``breach_api`` for breach and poor-performance notices) share: how an SMT action reads
its body, and how a notice file is downloaded and described in the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from core.api.errors import error_responses
from partnerships.contracts import services
from partnerships.contracts.notices import NoticeFile

# A notice's files by format ("json", "csv", "pdf"): notices.NOTICE_FORMATS for an
# assessment, breach_notices.NOTICE_FORMATS for a breach or poor-performance notice.
NoticeFormats = dict[str, Callable[[Any], NoticeFile]]


def assessor_input(request: Request, serializer_class: type[serializers.Serializer]) -> dict:
    """The validated body of an SMT action on assessments, notices or plans. Who may
    assess is checked before the body is read, so a refusal is a 403 whatever was sent;
    the serializer gets the request to offer only the records the user sees."""
    services.check_may_assess(request.user)
    incoming = serializer_class(data=request.data, context={"request": request})
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def notice_download_schema(formats: NoticeFormats) -> Callable:
    """The schema of a notice download: ``?file_format=`` one of ``formats`` (JSON when
    left out), answered with the file, or a 400 for any other format."""
    return extend_schema(
        parameters=[
            OpenApiParameter("file_format", enum=sorted(formats), default="json", required=False)
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **error_responses(400),
        },
    )


def notice_download(request: Request, record: object, formats: NoticeFormats) -> HttpResponse:
    """The notice of ``record`` in the format ``?file_format=`` names (JSON when left out),
    as an attachment with its SHA-256 in the X-Content-SHA256 header."""
    file_format = request.query_params.get("file_format", "json")
    if file_format not in formats:
        raise serializers.ValidationError({"file_format": ["Choose json, csv or pdf."]})
    return formats[file_format](record).download()
