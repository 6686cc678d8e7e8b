"""Open311 GeoReport v2 at /open311/v2/: services, service definitions, requests (GET and POST),
one request, tokens; each in JSON or XML, errors in the spec's ``errors/error`` shape.

Reads are public and rate-limited per address. A POST needs an API key with the scope
``services:open311``, in the form field ``api_key`` as the spec says, or as the API's usual
``Authorization: Bearer`` or ``X-Api-Key`` header. The mapping and the shapes are in ``open311.py``.
"""

from __future__ import annotations

import functools

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from bersih.core import ratelimit
from bersih.core.api import ApiError, authenticate_key
from bersih.core.models import ApiClient, Unit

from . import open311, rules
from .models import Case
from .open311 import Open311Error
from .services import case_submit

SCOPE = "services:open311"


def _response(body: bytes, fmt: str, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=open311.FORMATS[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: Open311Error, fmt: str, headers: dict | None = None) -> HttpResponse:
    return _response(open311.render(error.body(), "errors", fmt), fmt, error.status, headers)


def endpoint(methods: tuple[str, ...] = ("GET", "HEAD"), *, public: bool = True):
    """Parse the format, check the method and the read rate, and answer every refusal in the spec's
    shape (XML when the format itself is not one of ours)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            fmt = fmt.lower()
            if fmt not in open311.FORMATS:
                return error_response(Open311Error(400, _("The format must be json or xml.")), "xml")
            if request.method not in methods:
                error = Open311Error(405, _("%(method)s is not allowed here.") % {"method": request.method})
                return error_response(error, fmt, {"Allow": ", ".join(methods)})
            headers = {}
            if public and request.method in ("GET", "HEAD"):
                result = ratelimit.hit(
                    f"open311:read:{ratelimit.client_ip(request)}",
                    limit=rules.OPEN311_READS_PER_MINUTE,
                    window=60,
                )
                if not result.allowed:
                    error = Open311Error(429, _("Too many requests; try again in a minute."))
                    return error_response(error, fmt, {"Retry-After": str(result.retry_after)})
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                if error.status == 429:
                    headers["Retry-After"] = "60"
                return error_response(error, fmt, headers)

        return wrapper

    return decorator


def _jurisdiction(code: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip(), kind="polres", active=True).first()
    if unit is None:
        raise Open311Error(404, _("Unknown jurisdiction_id."))
    return unit


@endpoint()
def services(request, fmt: str):
    """GET services.{fmt}: every service an Open311 client may file."""
    data = [open311.service_dict(s) for s in open311.open311_services()]
    return _response(open311.render(data, "services", fmt), fmt)


@endpoint()
def service(request, fmt: str, code: str):
    """GET services/{code}.{fmt}: the service's attributes (its own fields and uploads)."""
    found = open311.open311_service(code)
    return _response(open311.render(open311.service_definition_dict(found), "service_definition", fmt), fmt)


@csrf_exempt
@endpoint(("GET", "HEAD", "POST"))
def requests(request, fmt: str):
    """GET requests.{fmt}: public cases with the spec's filters; POST: file a request (API key)."""
    if request.method == "POST":
        return _post(request, fmt)
    query = open311.parse_request_query(request.GET)
    cases = open311.requests_matching(query, _jurisdiction_scope(request))
    data = [open311.request_dict(case) for case in cases]
    return _response(open311.render(data, "service_requests", fmt), fmt)


def _jurisdiction_scope(request) -> Unit | None:
    code = request.GET.get("jurisdiction_id", "")
    return _jurisdiction(code) if code.strip() else None


@endpoint()
def request_detail(request, fmt: str, request_id: str):
    """GET requests/{id}.{fmt}: one public case (a list of one, as the spec has it)."""
    case = open311.public_case(request_id)
    return _response(open311.render([open311.request_dict(case)], "service_requests", fmt), fmt)


@endpoint()
def token(request, fmt: str, token: str):
    """GET tokens/{id}.{fmt}: the request id a POST's token stands for."""
    case = Case.objects.filter(intake_token=token).only("tracking_number", "intake_token").first()
    if case is None:
        raise Open311Error(404, _("No service request with this token."))
    data = [{"service_request_id": case.tracking_number, "token": case.intake_token}]
    return _response(open311.render(data, "service_requests", fmt), fmt)


# --- POST requests ------------------------------------------------------------------------------------


def _client(request) -> ApiClient:
    """The API client of the key in ``api_key`` (or the usual headers), with the Open311 scope."""
    presented = (request.POST.get("api_key") or "").strip()
    if not presented:
        header = request.headers.get("Authorization", "")
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() == "bearer":
            presented = value.strip()
    presented = presented or (request.headers.get("X-Api-Key") or "").strip()
    if not presented:
        raise Open311Error(403, _("An api_key is required to file a request."))
    try:
        client = authenticate_key(request, presented)
    except ApiError as exc:
        if exc.status == 429:
            message = _("This client has made too many requests; try again in a minute.")
            raise Open311Error(429, message) from exc
        raise Open311Error(403, _("Invalid api_key: unknown, revoked or expired.")) from exc
    if not client.has_scope(SCOPE):
        raise Open311Error(403, _("This api_key may not file Open311 requests."))
    return client


def _target_unit(request, client: ApiClient) -> Unit:
    """The Polres the request is filed with: ``jurisdiction_id``, or the client's own Polres."""
    code = (request.POST.get("jurisdiction_id") or "").strip()
    own = client.owner_unit.polres()
    if not code:
        if own is None:
            raise Open311Error(400, _("jurisdiction_id is required for this client."))
        return own
    unit = _jurisdiction(code)
    owner = client.owner_unit
    if not (unit.path.startswith(owner.path) or owner.path.startswith(unit.path)):
        raise Open311Error(403, _("This api_key may not file requests in this jurisdiction."))
    return unit


def _post(request, fmt: str) -> HttpResponse:
    try:
        params, files = request.POST, request.FILES
    except RequestDataTooBig as exc:
        raise Open311Error(413, _("The request is too large.")) from exc
    except SuspiciousOperation as exc:
        raise Open311Error(400, _("The request could not be read.")) from exc
    client = _client(request)
    unit = _target_unit(request, client)
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    found = open311.open311_service(code)
    arguments = open311.submission_arguments(found, params, files, today=timezone.localdate())
    token = open311.new_intake_token()
    language = getattr(request, "LANGUAGE_CODE", "id")
    try:
        submitted = case_submit(actor=client, unit=unit, intake_token=token, language=language, **arguments)
    except ValidationError as exc:
        raise Open311Error(400, *open311.validation_descriptions(exc)) from exc
    case = submitted.case
    notice = _(
        "%(time)s Keep the secret: with the service_request_id it opens the request on the tracking "
        "page (/lacak/); it is shown only once."
    ) % {"time": case.standard.time_limit}
    data = [
        {
            "service_request_id": case.tracking_number,
            "token": token,
            "service_notice": notice,
            "account_id": None,
            "secret": submitted.secret,
        }
    ]
    return _response(open311.render(data, "service_requests", fmt), fmt, 200, {"Cache-Control": "no-store"})


def not_found(request, path: str = ""):
    """Any other path under /open311/v2/: the spec's error, in XML (the format is unknown)."""
    fmt = "json" if path.lower().endswith(".json") else "xml"
    return error_response(Open311Error(404, _("No such Open311 resource.")), fmt)
