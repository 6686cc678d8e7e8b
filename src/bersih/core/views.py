from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def public_home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/public_home.html")


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/staff_home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def lockout_response(request, credentials, *args, **kwargs) -> HttpResponse:
    """What django-axes answers while an account is locked out (AXES_LOCKOUT_CALLABLE)."""
    return render(
        request,
        "core/locked_out.html",
        {"message": _("Too many failed sign-in attempts. Try again in 10 minutes.")},
        status=429,
    )


# --- API clients (administrators) -----------------------------------------------------------------
# The clients an administrator sees are those owned by units in their scope; any other answers 404.

from django.contrib import messages  # noqa: E402
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.shortcuts import get_object_or_404, redirect  # noqa: E402
from django.utils.translation import gettext_lazy  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from . import apikeys  # noqa: E402
from . import rules as policy  # noqa: E402
from .apiclient_forms import ApiClientForm, ApiKeyIssueForm, ApiKeyRotateForm  # noqa: E402
from .navigation import NavEntry, register  # noqa: E402
from .selectors import units_visible_to  # noqa: E402

register(
    NavEntry(
        key="core.api-clients",
        label=gettext_lazy("API clients"),
        url_name="core:apiclient-list",
        permission="core.view_apiclient",
        order=900,
    )
)


def _require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _client_in_scope(request: HttpRequest, pk: int, action: str = "change"):
    return get_object_or_404(apikeys.apiclients_visible_to(request.user, action), pk=pk)


def _show_plaintext(request: HttpRequest, client, key, plaintext: str) -> HttpResponse:
    context = {"client": client, "key": key, "plaintext": plaintext}
    response = render(request, "core/apikey_issued.html", context)
    response["Cache-Control"] = "no-store"  # the key is shown once and must not be kept by any cache
    return response


@login_required
def apiclient_list(request: HttpRequest) -> HttpResponse:
    _require_perm(request, "core.view_apiclient")
    clients = apikeys.apiclients_with_keys(request.user)
    return render(request, "core/apiclient_list.html", {"clients": clients})


@login_required
def apiclient_create(request: HttpRequest) -> HttpResponse:
    _require_perm(request, "core.change_apiclient")
    form = ApiClientForm(request.POST or None, units=units_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            client = apikeys.apiclient_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("API client %(name)s created.") % {"name": client.name})
            return redirect("core:apiclient-detail", pk=client.pk)
    return render(request, "core/apiclient_form.html", {"form": form})


@login_required
def apiclient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_perm(request, "core.view_apiclient")
    client = _client_in_scope(request, pk, "view")
    return render(
        request,
        "core/apiclient_detail.html",
        {
            "client": client,
            "keys": client.keys.order_by("-created_at"),
            "issue_form": ApiKeyIssueForm(),
            "rotate_form": ApiKeyRotateForm(),
            "scope_labels": [str(policy.API_SCOPES.get(s, s)) for s in client.scopes],
        },
    )


@login_required
@require_POST
def apikey_issue(request: HttpRequest, pk: int) -> HttpResponse:
    _require_perm(request, "core.change_apiclient")
    client = _client_in_scope(request, pk)
    form = ApiKeyIssueForm(request.POST)
    if form.is_valid():
        try:
            key, plaintext = apikeys.apikey_issue(actor=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return _show_plaintext(request, client, key, plaintext)
    else:
        messages.error(request, _("The key was not issued: check the label and the expiry."))
    return redirect("core:apiclient-detail", pk=client.pk)


@login_required
@require_POST
def apikey_rotate(request: HttpRequest, pk: int, prefix: str) -> HttpResponse:
    _require_perm(request, "core.change_apiclient")
    client = _client_in_scope(request, pk)
    key = get_object_or_404(client.keys, prefix=prefix)
    form = ApiKeyRotateForm(request.POST)
    if form.is_valid():
        try:
            new_key, plaintext = apikeys.apikey_rotate(
                actor=request.user, key=key, grace_hours=form.cleaned_data["grace_hours"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return _show_plaintext(request, client, new_key, plaintext)
    else:
        messages.error(request, _("The key was not rotated: check the grace period."))
    return redirect("core:apiclient-detail", pk=client.pk)


@login_required
@require_POST
def apiclient_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require_perm(request, "core.change_apiclient")
    client = _client_in_scope(request, pk)
    active = request.POST.get("active") == "1"
    try:
        apikeys.apiclient_set_active(actor=request.user, client=client, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = _("%(name)s can call the API again.") if active else _("%(name)s can no longer call the API.")
        messages.success(request, done % {"name": client.name})
    return redirect("core:apiclient-detail", pk=client.pk)


@login_required
@require_POST
def apikey_revoke(request: HttpRequest, pk: int, prefix: str) -> HttpResponse:
    _require_perm(request, "core.change_apiclient")
    client = _client_in_scope(request, pk)
    key = get_object_or_404(client.keys, prefix=prefix)
    try:
        apikeys.apikey_revoke(actor=request.user, key=key)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Key %(prefix)s revoked.") % {"prefix": key.prefix})
    return redirect("core:apiclient-detail", pk=client.pk)
