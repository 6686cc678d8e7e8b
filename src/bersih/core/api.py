"""The conventions every module's API follows, and the core router (who am I, the unit directory).

A module's ``api.py`` builds a :class:`ninja.Router` and is mounted in ``bersih/api.py``. From here it
takes:

* authentication — nothing to do: every operation requires a staff session or an API key unless the
  router says ``auth=None``; :func:`require_scope` limits an operation to API keys holding a scope, and
  :func:`api_actor` gives the person or client to record in the ledger;
* :class:`InputSchema` — the base of every request body schema: unknown fields are refused (422);
  :data:`Rupiah` and :data:`Instant` for money and times;
* :class:`ApiError` — raise it for any refusal; every error is RFC 9457 problem+json with a stable type;
* :func:`restrict_for` — a queryset narrowed to the caller's scope (out-of-scope records answer 404);
* :class:`PageParams`, :class:`Page` and :func:`paginate` — ``limit``/``offset`` pagination answering
  ``{items, count, next}``; :func:`order_by` for an explicit ``ordering`` parameter;
* :class:`BatchItemResult` — batch endpoints answer item by item.

See docs/api.md for the guide partner systems read.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from json import JSONDecodeError
from typing import Annotated, Any, Generic, Literal, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import re_path
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Router, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf
from pydantic import AwareDatetime, ConfigDict

from . import ratelimit
from . import rules as policy
from .apikeys import verify_key
from .errors import PROBLEM_CONTENT_TYPE, problem
from .models import ApiClient, Unit
from .selectors import units_visible_to

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
WWW_AUTHENTICATE = 'Bearer realm="bersih"'

# --- Errors -----------------------------------------------------------------------------------------

# The problem type (a slug under core.errors.PROBLEM_BASE) answered for each status by default.
_TYPE_FOR_STATUS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    422: "validation-error",
    429: "rate-limited",
}


def _titles() -> dict[str, str]:
    return {
        "bad-request": _("Bad request"),
        "malformed-json": _("Malformed JSON"),
        "unauthenticated": _("Authentication required"),
        "forbidden": _("Forbidden"),
        "not-found": _("Not found"),
        "method-not-allowed": _("Method not allowed"),
        "conflict": _("Conflict"),
        "payload-too-large": _("Request too large"),
        "validation-error": _("Invalid request"),
        "rate-limited": _("Too many requests"),
        "server-error": _("Server error"),
    }


class ApiError(Exception):
    """A refusal with a stable problem type: ``raise ApiError(409, "conflict", detail=...)``.

    ``title`` defaults to the type's usual title; ``headers`` are added to the response; any other
    keyword becomes an extension member of the problem document.
    """

    def __init__(
        self,
        status: int,
        type: str,
        title: str = "",
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail or title or type)
        self.status = status
        self.type = type
        self.title = title or _titles().get(type, type)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(request: HttpRequest, error: ApiError) -> HttpResponse:
    response = problem(error.status, error.type, error.title, error.detail, **error.extra)
    for name, value in error.headers.items():
        response[name] = value
    if error.status == 401 and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    add_rate_limit_headers(request, response)
    return response


def _validation_errors(exc: NinjaValidationError) -> list[dict]:
    # Only where, what and which kind: the input itself is never echoed (it may hold a secret).
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors
    ]


def _django_validation_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": str(message), "type": error.code or "invalid"}
            for field, errors in exc.error_dict.items()
            for error in errors
            for message in error.messages
        ]
    return [
        {"loc": ["body"], "msg": str(e.message % (e.params or {})), "type": e.code or "invalid"}
        for e in exc.error_list
    ]


def _on_api_error(request, exc: ApiError):
    return problem_response(request, exc)


def _on_validation_error(request, exc: NinjaValidationError):
    return problem_response(
        request,
        ApiError(
            422,
            "validation-error",
            detail=_("The request does not match the schema."),
            errors=_validation_errors(exc),
        ),
    )


def _on_django_validation_error(request, exc: DjangoValidationError):
    return problem_response(
        request,
        ApiError(
            422,
            "validation-error",
            detail=_("The request was refused."),
            errors=_django_validation_errors(exc),
        ),
    )


def _on_http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return _on_too_large(request, cause)
    if exc.status_code == 400 and isinstance(cause, (JSONDecodeError, UnicodeDecodeError)):
        return problem_response(
            request, ApiError(400, "malformed-json", detail=_("The request body is not valid JSON."))
        )
    type_ = _TYPE_FOR_STATUS.get(exc.status_code, "bad-request")
    headers = {}
    if exc.status_code == 429 and getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait) + 1)
    if isinstance(exc, AuthenticationError):  # no credentials at all
        detail = _("Send an API key (Authorization: Bearer bsk_…) or sign in.")
    else:
        detail = str(exc)
    return problem_response(request, ApiError(exc.status_code, type_, detail=detail, headers=headers))


def _on_not_found(request, exc):
    return problem_response(request, ApiError(404, "not-found", detail=_("No such resource.")))


def _on_permission_denied(request, exc):
    return problem_response(request, ApiError(403, "forbidden", detail=str(exc) or ""))


def _on_too_large(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
    return problem_response(request, ApiError(413, "payload-too-large", detail=detail))


def _on_integrity_error(request, exc):
    logger.info("API request conflicted with a constraint: %s", exc)
    return problem_response(
        request, ApiError(409, "conflict", detail=_("The request conflicts with the current state."))
    )


def _on_unexpected(request, exc):
    logger.exception("Unhandled error in API request %s %s", request.method, request.path, exc_info=exc)
    return problem_response(request, ApiError(500, "server-error", detail=_("The error has been logged.")))


EXCEPTION_HANDLERS = [
    (ApiError, _on_api_error),
    (NinjaValidationError, _on_validation_error),
    (DjangoValidationError, _on_django_validation_error),
    (HttpError, _on_http_error),
    (Http404, _on_not_found),
    (PermissionDenied, _on_permission_denied),
    (RequestDataTooBig, _on_too_large),
    (IntegrityError, _on_integrity_error),
    (Exception, _on_unexpected),
]


# --- Authentication ---------------------------------------------------------------------------------


def add_rate_limit_headers(request: HttpRequest, response: HttpResponse) -> None:
    result = getattr(request, "rate_limit", None)
    if result is None:
        return
    response["RateLimit-Limit"] = str(result.limit)
    response["RateLimit-Remaining"] = str(result.remaining)
    response["RateLimit-Reset"] = str(result.retry_after)


def authenticate_key(request: HttpRequest, presented: str) -> ApiClient:
    """The client behind a presented key, counted against its rate limit; otherwise an ApiError."""
    key = verify_key(presented)
    if key is None:
        raise ApiError(
            401,
            "unauthenticated",
            _("Invalid API key"),
            _("The API key is unknown, revoked or expired, or its client is inactive."),
            headers={"WWW-Authenticate": WWW_AUTHENTICATE + ', error="invalid_token"'},
        )
    client = key.client
    result = ratelimit.hit(f"api:{client.pk}", limit=client.rate_limit_per_minute, window=60)
    request.api_client = client
    request.api_key = key
    request.rate_limit = result
    if not result.allowed:
        raise ApiError(
            429,
            "rate-limited",
            detail=_("This client may make %(limit)d requests a minute.") % {"limit": result.limit},
            headers={"Retry-After": str(result.retry_after)},
        )
    return client


class ApiKeyBearer(HttpBearer):
    """``Authorization: Bearer bsk_<prefix>_<secret>``."""

    openapi_bearerFormat = "bsk_<prefix>_<secret>"
    openapi_description = "An API key issued to a machine client, sent as a bearer token."

    def __call__(self, request: HttpRequest):
        value = request.headers.get("Authorization")
        if not value:
            return None
        scheme, _sep, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401,
                "unauthenticated",
                _("Malformed Authorization header"),
                _("Use 'Authorization: Bearer <API key>'."),
                headers={"WWW-Authenticate": WWW_AUTHENTICATE + ', error="invalid_request"'},
            )
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str):
        return authenticate_key(request, token)


class ApiKeyInHeader(APIKeyHeader):
    """``X-Api-Key: bsk_<prefix>_<secret>``, for clients that cannot set Authorization."""

    param_name = "X-Api-Key"
    openapi_description = "The same API key in its own header."

    def authenticate(self, request: HttpRequest, key: str | None):
        if key is None:
            return None
        return authenticate_key(request, key)


class StaffSession(APIKeyCookie):
    """A signed-in person's Django session; unsafe methods must carry the CSRF token (X-CSRFToken)."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "The session of a person signed in to Bersih (CSRF token required for writes)."

    def _get_key(self, request: HttpRequest) -> str | None:
        # CSRF is checked in authenticate, and only once a session is known to be there.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            if getattr(request, "session_expired", False):
                raise ApiError(
                    401, "unauthenticated", _("Session expired"), _("The session has expired; sign in again.")
                )
            return None
        if (
            self.csrf
            and request.method not in SAFE_METHODS
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise ApiError(403, "forbidden", _("CSRF check failed"), _("Send the CSRF token in X-CSRFToken."))
        return user


api_auth = [ApiKeyBearer(), ApiKeyInHeader(), StaffSession()]


def api_actor(request: HttpRequest):
    """Who acts, for the ledger: the signed-in person or the API client."""
    return request.auth


def require_scope(scope: str):
    """Limit an operation to API keys holding ``scope``; people pass (their rules decide).

    Put it under the router decorator::

        @router.post("events")
        @require_scope("etle:events")
        def post_event(request, payload: EventIn): ...
    """
    if scope not in policy.API_SCOPES:
        raise ValueError(f"unknown API scope {scope!r}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            client = request.auth
            if isinstance(client, ApiClient) and not client.has_scope(scope):
                raise ApiError(
                    403, "forbidden", detail=_("This API key lacks the scope %(scope)s.") % {"scope": scope}
                )
            return view(request, *args, **kwargs)

        # ninja resolves string annotations in the globals of the function it is given; the view's own
        # module (which may use ``from __future__ import annotations``) is where they make sense.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)
        # The operation's description in the OpenAPI document says which scope a key needs.
        note = f"API keys need the scope `{scope}`."
        wrapper.__doc__ = f"{inspect.cleandoc(view.__doc__)}\n\n{note}" if view.__doc__ else note
        wrapper.required_scope = scope
        return wrapper

    return decorator


# --- Scope, pagination, ordering, batches -----------------------------------------------------------


def restrict_for(request: HttpRequest, queryset: QuerySet, action: str = "view") -> QuerySet:
    """``queryset`` narrowed to the caller: a person by ``restrict(user, action)``; a client by its unit.

    An API client sees the records of its owner unit's subtree, and, if it belongs to a partner agency,
    the records that agency is party to (the model's ``scope_agency_field``).
    """
    caller = request.auth
    if not isinstance(caller, ApiClient):
        return queryset.restrict(caller, action)
    model = queryset.model
    conditions = Q()
    unit_field = getattr(model, "scope_unit_field", "unit")
    if unit_field:
        conditions |= Q(**{f"{unit_field}__path__startswith": caller.owner_unit.path})
    agency_field = getattr(model, "scope_agency_field", None)
    if agency_field and caller.agency_id:
        conditions |= Q(**{agency_field: caller.agency_id})
    if not conditions:
        return queryset.none()
    narrowed = queryset.filter(conditions)
    return narrowed.distinct() if agency_field else narrowed


class InputSchema(Schema):
    """Base of every request body: a field the schema does not name is refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")


# Field types of the conventions: money is a whole number of rupiah (no decimals, no strings), and a
# time carries its offset (a time without one is ambiguous between WIB and UTC, so it is refused).
Rupiah = Annotated[int, Field(ge=0, strict=True, description="Whole rupiah.")]
Instant = AwareDatetime


DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Deeper pages are refused: a client that walks a whole collection narrows it by time instead.
MAX_OFFSET = 10_000

T = TypeVar("T")


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 500).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip (at most 10,000).")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int = Field(description="Items matching the filters, over all pages.")
    next: str | None = Field(description="URL of the next page, or null on the last one.")


def paginate(request: HttpRequest, queryset: QuerySet, page: PageParams) -> dict:
    """One page of an ordered ``queryset`` as ``{items, count, next}``."""
    count = queryset.count()
    end = page.offset + page.limit
    items = list(queryset[page.offset : end])
    next_url = None
    if end < count and end <= MAX_OFFSET:
        query = request.GET.copy()
        query["offset"] = str(end)
        query["limit"] = str(page.limit)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"items": items, "count": count, "next": next_url}


def order_by(queryset: QuerySet, ordering: str) -> QuerySet:
    """Order by a validated ``ordering`` value (``field`` or ``-field``) with the key as tie-breaker."""
    return queryset.order_by(ordering, "pk")


class BatchItemResult(Schema):
    """One item of a batch answer: its index in the request, and either its result or its problem."""

    index: int
    status: int
    id: str | None = None
    problem: dict | None = None


# --- The API object ---------------------------------------------------------------------------------


class _JsonParser(Parser):
    """JSON bodies must be UTF-8 (RFC 8259); anything else is malformed JSON, answered 400."""

    def parse_body(self, request: HttpRequest):
        return json.loads(request.body.decode("utf-8"))


def _as_problem_405(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """ninja answers an unknown method with a plain-text 405; make it a problem like every other error."""
    if response.status_code != 405 or not response.get("Content-Type", "").startswith("text/"):
        return response
    detail = _("%(method)s is not allowed here.") % {"method": request.method}
    return problem_response(
        request, ApiError(405, "method-not-allowed", detail=detail, headers={"Allow": response["Allow"]})
    )


def _problem_on_405(view):
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(request, *args, **kwargs):
            return _as_problem_405(request, await view(request, *args, **kwargs))

        return markcoroutinefunction(async_wrapper)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return _as_problem_405(request, view(request, *args, **kwargs))

    return wrapper


def api_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return problem_response(request, ApiError(404, "not-found", detail=_("No such endpoint.")))


api_not_found.csrf_exempt = True


class BersihAPI(NinjaAPI):
    """NinjaAPI with Bersih's auth, problem+json errors, rate-limit headers and documented problems."""

    def __init__(self, **kwargs):
        kwargs.setdefault("auth", api_auth)
        kwargs.setdefault("parser", _JsonParser())
        kwargs.setdefault("docs", Swagger(settings={"validatorUrl": None, "persistAuthorization": False}))
        super().__init__(**kwargs)
        for exc_class, handler in EXCEPTION_HANDLERS:
            self.add_exception_handler(exc_class, handler)

    def set_default_exception_handlers(self) -> None:
        """Bersih's handlers replace ninja's (registered in __init__)."""

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if hasattr(pattern, "callback") and pattern.callback is not None:
                wrapped = _problem_on_405(pattern.callback)
                wrapped.csrf_exempt = True
                pattern.callback = wrapped
        urls.append(re_path(r"^.*$", api_not_found))
        return urls

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        add_rate_limit_headers(request, response)
        return response

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_problems(schema)


def document_problems(schema: dict) -> dict:
    """Declare the problem+json answers every operation may give, with the shared Problem schema."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = {
        "type": "object",
        "title": "Problem",
        "description": "RFC 9457 problem details; `type` is stable, `title` and `detail` are for people.",
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "loc": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        },
                        "msg": {"type": "string"},
                        "type": {"type": "string"},
                    },
                },
            },
        },
        "required": ["type", "title", "status"],
    }
    content = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    titles = {
        "401": "Not authenticated (missing, malformed, revoked or expired key; no session)",
        "403": "Forbidden (missing scope, CSRF)",
        "404": "Not found (or outside the caller's scope)",
        "422": "Invalid request (unknown field, wrong type)",
        "429": "Rate limit exceeded (see Retry-After)",
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in titles.items():
                if status in ("401", "403", "429") and "security" not in operation:
                    continue
                operation["responses"].setdefault(status, {"description": description, "content": content})
    return schema


# --- The core router: who am I, the unit directory --------------------------------------------------

router = Router(tags=["core"])


class AssignmentOut(Schema):
    role: str
    unit: str | None
    agency: str | None


class MeOut(Schema):
    kind: Literal["user", "client"]
    name: str
    username: str | None = None
    roles: list[AssignmentOut] = []
    scopes: list[str] = []
    owner_unit: str | None = None
    agency: str | None = None


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    path: str
    city: str
    address: str
    phone: str
    email: str
    active: bool

    @staticmethod
    def resolve_parent(obj: Unit) -> str | None:
        return obj.parent.code if obj.parent_id else None


class UnitFilter(Schema):
    kind: Literal[tuple(policy.UNIT_KINDS)] | None = Field(None, description="Only units of this kind.")
    parent: str | None = Field(None, description="Only the direct children of the unit with this code.")
    ordering: Literal["code", "-code", "name", "-name", "path", "-path"] = "path"


@router.get("me", response=MeOut, summary="Who the caller is: a person and their roles, or a client")
def me(request):
    caller = request.auth
    if isinstance(caller, ApiClient):
        return {
            "kind": "client",
            "name": caller.name,
            "scopes": caller.scopes,
            "owner_unit": caller.owner_unit.code,
            "agency": caller.agency.code if caller.agency_id else None,
        }
    roles = [
        {
            "role": a.role,
            "unit": a.unit.code if a.unit_id else None,
            "agency": a.agency.code if a.agency_id else None,
        }
        for a in caller.active_assignments()
    ]
    return {"kind": "user", "name": caller.display_name, "username": caller.get_username(), "roles": roles}


@router.get("units", response=Page[UnitOut], summary="The units the caller may see")
@require_scope("core:read")
def list_units(request, filters: Query[UnitFilter], page: Query[PageParams]):
    units = units_visible_to(request.auth)
    if filters.kind:
        units = units.filter(kind=filters.kind)
    if filters.parent:
        units = units.filter(parent__code=filters.parent)
    return paginate(request, order_by(units, filters.ordering), page)


@router.get("units/{code}", response=UnitOut, summary="One unit by its code")
@require_scope("core:read")
def get_unit(request, code: str):
    return get_object_or_404(units_visible_to(request.auth), code=code)
