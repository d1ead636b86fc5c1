"""API body parsers that answer bad JSON with a 400, including JSON nested too deeply to parse."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSON parser; a body nested deeper than Python can parse (e.g. 30,000 `[`) is a
    400 with a reason, not a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                "JSON parse error - the body is nested too deeply: send the fields the endpoint "
                "documents (a few levels), not deeply nested arrays or objects."
            ) from None
