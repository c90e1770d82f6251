"""The OpenAPI schema (/api/schema/) and its documentation page (/api/docs/).

Both are for signed-in staff (with their second factor, as every staff page);
the schema is also served to a script that presents an API token. The
documentation page is Swagger UI served from Peerpath itself (no CDN), with its
start-up script as a file of its own, so the site's strict Content-Security-Policy
holds on this page too.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from peerpath.api.authentication import ApiTokenAuthentication
from peerpath.api.permissions import HasPerm
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


class TokenSchemaView(SpectacularAPIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasPerm]
    perms = {"GET": Perm.API_TOKEN}


_token_schema = TokenSchemaView.as_view()
_session_schema = staff_view(Perm.API_TOKEN)(
    SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny])
)
_session_docs = staff_view(Perm.API_TOKEN)(
    SpectacularSwaggerSplitView.as_view(
        authentication_classes=[], permission_classes=[AllowAny], url_name="api_schema",
        template_name="api/swagger_ui.html", title="Peerpath API",
    )
)


@require_GET
def schema(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The schema as YAML (or JSON with ``?format=json``)."""
    if request.META.get("HTTP_AUTHORIZATION"):
        return _token_schema(request, *args, **kwargs)
    return _session_schema(request, *args, **kwargs)


@require_GET
def docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return _session_docs(request, *args, **kwargs)
