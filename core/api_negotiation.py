"""Content negotiation for the API (its own module: DRF imports it while defining APIView)."""

from __future__ import annotations

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, but an unknown `?format=` is a 406 that names the formats on offer
    (DRF answers a bare 404 "Not found.", which reads as a wrong URL)."""

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise NotAcceptable(
                f"format={format!r} is not available here: use one of {offered}, or leave it out."
            )
        return matching
