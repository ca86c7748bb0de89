"""The API's JSON parser: DRF's, with the body bounded in depth and its numbers kept whole.

Size is bounded before anything is read: Django refuses a body longer than
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (5 MB) from its Content-Length, which
``core.api.exceptions`` answers as a JSON 413. Depth is bounded here: a body nested more
than ``MAX_JSON_DEPTH`` levels (objects and arrays) is a 400, since no request of this
API nests more than a handful, and Python's parser would otherwise run out of stack on a
body nested 100,000 levels deep (a server error). A number too large for a float
(``1e400``) is kept as the text it was written as rather than read as infinity, so that
the field it was sent for says it is too large instead of "not a number".
"""

from __future__ import annotations

import codecs
import json
import math

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

# Objects and arrays inside one another. The deepest body the API takes is an import's
# rows: an object holding a list of objects (3 levels); report parameters add one.
MAX_JSON_DEPTH = 32


def _number(text: str) -> float | str:
    """A JSON number with a fraction or exponent: a float, as DRF reads it, unless the
    float would be infinite (``1e400``): then its text, which every figure's limit check
    reads exactly and refuses with its limit (and which a number field refuses as it
    refuses any text that is not a number it can hold)."""
    number = float(text)
    return number if math.isfinite(number) else text


def json_depth(data: object) -> int:
    """How many objects and arrays ``data`` nests, counted without recursion: 0 for a
    scalar, 1 for ``{}``, 3 for ``{"rows": [{}]}``."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def too_deep_message(limit: int = MAX_JSON_DEPTH) -> str:
    return (
        f"The JSON body nests objects and arrays more than {limit} levels deep, more than "
        "any request of this API needs."
    )


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser (strict: NaN and Infinity are refused), refusing bodies nested
    more than MAX_JSON_DEPTH levels with a ParseError (400, ``{"detail": ...}``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            decoded = codecs.getreader(encoding)(stream)
            data = json.load(
                decoded,
                parse_constant=strict_constant if self.strict else None,
                parse_float=_number,
            )
        except RecursionError:
            # The C parser stops at Python's recursion limit (about 1,000 levels).
            raise ParseError(too_deep_message()) from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(too_deep_message())
        return data
