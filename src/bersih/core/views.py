from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import apikeys, services
from . import rules as policy
from .apiclient_forms import ApiClientForm, ApiKeyIssueForm, ApiKeyRotateForm
from .auth import SESSION_ENDED_KEY, is_verified, needs_second_factor
from .forms import OtpTokenForm, ResetRequestForm, SignInForm
from .ratelimit import client_ip, hit
from .selectors import units_visible_to

# The secret of an authenticator being enrolled waits in the session until a code confirms it.
PENDING_TOTP_KEY = "bersih_pending_totp_key"
# Password-reset requests per caller address per hour (the form answers alike for any address).
RESET_REQUESTS_PER_HOUR = 5


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
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "core/locked_out.html",
        {
            "message": _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.")
            % {"minutes": minutes}
        },
        status=429,
    )


# --- Sign-in --------------------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    template_name = "core/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.session.pop(SESSION_ENDED_KEY, False):
            minutes = int(settings.STAFF_IDLE_TIMEOUT.total_seconds() // 60)
            context["session_ended"] = _(
                "Your session ended after %(minutes)d minutes without activity. Please sign in again."
            ) % {"minutes": minutes}
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        # Pages speak the person's own language from now on.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.get_user().language,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        )
        return response


class SignOutView(auth_views.LogoutView):
    template_name = "core/signed_out.html"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pass_second_factor(request: HttpRequest, device) -> HttpResponse:
    from django_otp import login as otp_login

    otp_login(request, device)
    # A new session key once the person is fully signed in (no fixation across the second step).
    request.session.cycle_key()
    return HttpResponseRedirect(_next_url(request))


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in for sensitive roles: a code from the enrolled authenticator."""
    from django_otp import match_token, user_has_device

    if not needs_second_factor(request.user) or is_verified(request.user):
        return HttpResponseRedirect(_next_url(request))
    if not user_has_device(request.user, confirmed=True):
        return redirect(f"{reverse('core:otp-enrol')}?{request.GET.urlencode()}")
    form = OtpTokenForm(request.POST or None, allow_backup=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["otp_token"])
        services.second_factor_record(
            request=request, user=request.user, device=device, verified=bool(device)
        )
        if device is not None:
            return _pass_second_factor(request, device)
        form.add_error(
            "otp_token",
            _("The code is not correct or has expired. Wait for a new code and try again."),
        )
        status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "core/otp_verify.html", {"form": form, "next": _next_url(request)}, status=status)


def _pending_key(request: HttpRequest) -> str:
    from django_otp.util import random_hex

    key = request.session.get(PENDING_TOTP_KEY)
    if not key:
        key = random_hex(20)
        request.session[PENDING_TOTP_KEY] = key
    return key


def _enrolment_context(request: HttpRequest, key: str) -> dict:
    from base64 import b32encode
    from binascii import unhexlify

    from django_otp.plugins.otp_totp.models import TOTPDevice

    uri = TOTPDevice(user=request.user, key=key).config_url
    secret = b32encode(unhexlify(key)).decode()
    return {
        # segno draws the QR code as plain SVG markup: no script, no external image.
        "qr_svg": mark_safe(segno.make(uri, error="m").svg_inline(scale=4, light="#fff", title=_("QR code"))),  # noqa: S308
        "otpauth_uri": uri,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the code (or type the secret), then confirm with a code."""
    from django_otp import user_has_device

    if user_has_device(request.user, confirmed=True):
        return redirect(f"{reverse('core:otp-verify')}?{request.GET.urlencode()}")
    key = _pending_key(request)
    form = OtpTokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = services.otp_device_confirm(
                    actor=request.user, user=request.user, key=key, token=form.cleaned_data["otp_token"]
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("otp_token", message)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                request.session.pop(PENDING_TOTP_KEY, None)
                messages.success(request, _("Your authenticator app is enrolled."))
                _pass_second_factor(request, device)
                # Next: backup codes for the day the phone is not at hand.
                return redirect(
                    f"{reverse('core:otp-backup-codes')}?{urlencode({'next': _next_url(request)})}"
                )
    context = {"form": form, "next": _next_url(request), **_enrolment_context(request, key)}
    return render(request, "core/otp_enrol.html", context, status=status)


@login_required
@never_cache
def otp_backup_codes(request: HttpRequest) -> HttpResponse:
    """Single-use backup codes: GET explains, POST issues a new set and shows it once."""
    from django_otp.plugins.otp_static.models import StaticDevice

    context = {
        "next": _next_url(request),
        "has_codes": StaticDevice.objects.filter(user=request.user, confirmed=True).exists(),
    }
    if request.method == "POST":
        try:
            context["codes"] = services.otp_backup_codes_issue(actor=request.user, user=request.user)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "core/otp_backup_codes.html", context, status=400)
    return render(request, "core/otp_backup_codes.html", context)


# --- Password reset by e-mail ------------------------------------------------------------------------


class ResetRequestView(auth_views.PasswordResetView):
    template_name = "core/password_reset_form.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    form_class = ResetRequestForm
    success_url = reverse_lazy("core:password-reset-done")

    def form_valid(self, form):
        allowed = hit(
            f"password-reset:ip:{client_ip(self.request)}", limit=RESET_REQUESTS_PER_HOUR, window=3600
        )
        if not allowed.allowed:
            form.add_error(None, gettext_lazy("Too many reset requests from here. Try again in an hour."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class ResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/password_reset_done.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:password-reset-complete")

    def form_valid(self, form):
        services.password_reset_complete(request=self.request, form=form)
        # Django's view would save the form again; the service already did, in its transaction.
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/password_reset_complete.html"


# --- API clients (administrators) -----------------------------------------------------------------
# The clients an administrator sees are those owned by units in their scope; any other answers 404.


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
