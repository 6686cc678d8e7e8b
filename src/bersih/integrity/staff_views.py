"""The assessment pages for coordinators, the internal assessment team and leadership: the list, one
assessment's scores, verdicts and gaps, an area's questions with answers per round and evidence, and the
workbook and report downloads."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import reports, rules, services
from .lke import lke_version
from .models import Assessment, AssessmentAnswer
from .staff_forms import AnswerForm, AssessmentForm, EvidenceForm


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _assessment(request, pk: int) -> Assessment:
    """An assessment in the person's scope; others are not found (404, not 403)."""
    return get_object_or_404(Assessment.objects.restrict(request.user).select_related("unit"), pk=pk)


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    _need(request, "integrity.view_assessment")
    assessments = list(Assessment.objects.restrict(request.user).select_related("unit")[:100])
    form = AssessmentForm(request.POST or None)
    if request.method == "POST":
        _need(request, "integrity.add_assessment")
        unit = request.user.active_assignments()[0].unit if request.user.active_assignments() else None
        if form.is_valid() and unit is not None:
            polres = unit.polres() or unit
            try:
                assessment = services.assessment_create(actor=request.user, unit=polres, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("integrity:assessment", pk=assessment.pk)
    rows = []
    for assessment in assessments:
        score = services.assessment_score(assessment)
        rows.append({"assessment": assessment, "score": score})
    context = {"rows": rows, "form": form, "can_add": request.user.has_perm("integrity.add_assessment")}
    return render(request, "integrity/assessment_list.html", context, status=400 if form.errors else 200)


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "integrity.view_assessment")
    assessment = _assessment(request, pk)
    rounds = rules.ROUND_ORDER[: rules.ROUND_ORDER.index(assessment.round) + 1]
    scores = [(rules.ROUNDS[r], services.assessment_score(assessment, r)) for r in rounds]
    current = scores[-1][1]
    context = {
        "assessment": assessment,
        "score": current,
        "scores": scores,
        "radar_svg": reports.radar_svg(current),
        "gaps": current.gaps[:15],
        "differences": services.round_differences(assessment, assessment.round),
        "round_label": rules.ROUNDS[assessment.round],
        "coordinators": {c.area: c.user for c in assessment.coordinators.select_related("user")},
        "candidates": _coordinator_candidates(request.user, assessment),
    }
    return render(request, "integrity/assessment_detail.html", context)


def _coordinator_candidates(user, assessment):
    """Officers and heads of the assessed unit's tree, for a head or the leadership to choose from."""
    from bersih.core.models import User

    if assessment.closed_at or not any(
        a.role in ("supervisor", "leadership") for a in user.active_assignments()
    ):
        return []
    return list(
        User.objects.filter(
            is_active=True,
            assignments__role__in=("officer", "supervisor"),
            assignments__unit__path__startswith=assessment.unit.path,
        )
        .distinct()
        .order_by("full_name", "username")[:300]
    )


@login_required
@require_POST
def coordinator_save(request: HttpRequest, pk: int, area: str) -> HttpResponse:
    from bersih.core.models import User

    _need(request, "integrity.view_assessment")
    assessment = _assessment(request, pk)
    user = User.objects.filter(pk=request.POST.get("user") or 0, is_active=True).first()
    if user is None:
        messages.error(request, _("Choose an officer."))
    else:
        try:
            services.coordinator_assign(actor=request.user, assessment=assessment, area=area, user=user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    return redirect("integrity:assessment", pk=assessment.pk)


@login_required
def assessment_area(request: HttpRequest, pk: int, area: str) -> HttpResponse:
    _need(request, "integrity.view_assessment")
    assessment = _assessment(request, pk)
    lke = lke_version(assessment.lke_version)
    the_area = next((a for a in lke.areas if a.code == area), None)
    if the_area is None:
        raise Http404
    codes = [q.code for s in the_area.subareas for q in s.questions]
    answers: dict[str, dict] = {}
    for answer in AssessmentAnswer.objects.filter(assessment=assessment, question__in=codes).prefetch_related(
        "evidence"
    ):
        answers.setdefault(answer.question, {})[answer.round] = answer
    score = services.assessment_score(assessment).area(area)
    offered = _offered(request.user, assessment, [q for s in the_area.subareas for q in s.questions])
    subareas = []
    for sub, sub_score in zip(the_area.subareas, score.subareas, strict=True):
        questions = []
        for question, question_score in zip(sub.questions, sub_score.questions, strict=True):
            by_round = answers.get(question.code, {})
            questions.append(
                {
                    "question": question,
                    "score": question_score,
                    "rounds": [(rules.ROUNDS[r], by_round[r]) for r in rules.ROUND_ORDER if r in by_round],
                    "current": by_round.get(assessment.round),
                    "offered": offered.get(question.code),
                    "offered_json": json.dumps(offered[question.code].value)
                    if question.code in offered
                    else "",
                }
            )
        subareas.append({"subarea": sub, "score": sub_score, "questions": questions})
    context = {
        "assessment": assessment,
        "area": the_area,
        "area_score": score,
        "subareas": subareas,
        "open": assessment.closed_at is None,
        "round_label": rules.ROUNDS[assessment.round],
    }
    return render(request, "integrity/assessment_area.html", context)


def _offered(user, assessment, questions) -> dict:
    """The live indicators for the assessment's period so far, as answers to these questions."""
    from django.utils import timezone

    from . import indicators

    if not any(q.indicator for q in questions):
        return {}
    end = min(assessment.period_end, timezone.localdate())
    start = min(assessment.period_start, end)
    return indicators.offered_for(questions, indicators.figures(user, start=start, end=end))


@login_required
@require_POST
def answer_save(request: HttpRequest, pk: int, question: str) -> HttpResponse:
    _need(request, "integrity.answer_assessment")
    assessment = _assessment(request, pk)
    lke = lke_version(assessment.lke_version)
    try:
        the_question = lke.question(question)
        area = next(a.code for a in lke.areas for s in a.subareas if the_question in s.questions)
        numeric = bool(the_question.answer.numeric)
    except KeyError:
        raise Http404 from None
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("%(code)s: %(errors)s") % {"code": question, "errors": form.errors.as_text()}
        )
    else:
        offered = form.cleaned_data["offered"]
        try:
            services.assessment_answer(
                actor=request.user,
                assessment=assessment,
                question=question,
                value=form.answer_value(numeric),
                comment=form.cleaned_data["comment"],
                offered_value=json.loads(offered) if offered else None,
                override_reason=form.cleaned_data["override_reason"],
            )
        except (ValidationError, ValueError) as exc:
            text = _error_text(exc) if isinstance(exc, ValidationError) else _("Malformed offered value.")
            messages.error(request, f"{question}: {text}")
        else:
            messages.success(request, _("%(code)s saved.") % {"code": question})
    return redirect(f"{_area_url(assessment, area)}#q-{question}")


def _area_url(assessment, area: str) -> str:
    from django.urls import reverse

    return reverse("integrity:assessment-area", args=[assessment.pk, area])


@login_required
@require_POST
def evidence_save(request: HttpRequest, pk: int, question: str) -> HttpResponse:
    _need(request, "integrity.answer_assessment")
    assessment = _assessment(request, pk)
    answer = AssessmentAnswer.objects.filter(
        assessment=assessment, round=assessment.round, question=question
    ).first()
    lke = lke_version(assessment.lke_version)
    area = next(
        (a.code for a in lke.areas for s in a.subareas for q in s.questions if q.code == question), None
    )
    if area is None:
        raise Http404
    form = EvidenceForm(request.POST, request.FILES)
    if answer is None:
        messages.error(request, _("Answer the question before adding its evidence."))
    elif not form.is_valid():
        messages.error(request, form.errors.as_text())
    else:
        upload = form.cleaned_data["file"]
        try:
            services.evidence_add(
                actor=request.user,
                answer=answer,
                label=form.cleaned_data["label"],
                content=upload.read() if upload else None,
                name=upload.name if upload else "",
                link=form.cleaned_data["link"],
            )
        except ValidationError as exc:
            messages.error(request, f"{question}: {_error_text(exc)}")
        else:
            messages.success(request, _("Evidence added to %(code)s.") % {"code": question})
    return redirect(f"{_area_url(assessment, area)}#q-{question}")


@login_required
@require_POST
def assessment_advance(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "integrity.advance_assessment")
    assessment = _assessment(request, pk)
    try:
        services.assessment_advance(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("integrity:assessment", pk=assessment.pk)


@login_required
def assessment_workbook(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "integrity.view_assessment")
    assessment = _assessment(request, pk)
    answers = services.round_answers(assessment, assessment.round)
    comments = dict(
        AssessmentAnswer.objects.filter(assessment=assessment, round=assessment.round).values_list(
            "question", "comment"
        )
    )
    data = reports.lke_workbook(assessment, services.assessment_score(assessment), answers, comments)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="lke-{assessment.pk}-{assessment.round}.xlsx"'
    return response


def _survey_lines(assessment) -> list[list[str]]:
    """The report's survey table: per service in the assessed unit's tree and period, the IKM with its
    grade and respondents, and the IPAK and IPKP."""
    from bersih.core.models import Unit

    from . import selectors

    units = list(Unit.objects.filter(path__startswith=assessment.unit.path).values_list("pk", flat=True))
    overview = selectors.survey_overview(
        units=units, since=assessment.period_start, until=assessment.period_end
    )
    lines = [[_("Service"), _("IKM"), _("Respondents"), "IPAK", "IPKP"]]
    for row in overview["rows"]:
        lines.append(
            [
                reports.service_label(row["service"]),
                f"{float(row['skm'].index):.2f} ({row['skm'].grade})",
                str(row["skm"].respondents),
                f"{float(row['ipak'].index):.2f}" if row["ipak"] else "-",
                f"{float(row['ipkp'].index):.2f}" if row["ipkp"] else "-",
            ]
        )
    return lines if len(lines) > 1 else []


@login_required
def assessment_report(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "integrity.view_assessment")
    assessment = _assessment(request, pk)
    data = reports.assessment_report_pdf(
        assessment, services.assessment_score(assessment), survey_lines=_survey_lines(assessment)
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="laporan-zi-{assessment.pk}.pdf"'
    return response


def _survey_scope(request):
    """The units whose surveys the person reads (their scope) and the period (default: this year)."""
    from datetime import date
    from functools import reduce
    from operator import or_

    from django.db.models import Q
    from django.utils import timezone

    from bersih.core.forms import PeriodForm
    from bersih.core.models import Unit
    from bersih.core.querysets import scope_paths

    today = timezone.localdate()
    form = PeriodForm(request.GET or {"start": date(today.year, 1, 1).isoformat(), "end": today.isoformat()})
    if not form.is_valid():
        return None, form, None, None
    paths = scope_paths(request.user)
    in_scope = reduce(or_, (Q(path__startswith=path) for path in paths), Q(pk__in=[]))
    units = list(Unit.objects.filter(in_scope).values_list("pk", flat=True))
    return units, form, form.cleaned_data["start"], form.cleaned_data["end"]


@login_required
def surveys(request: HttpRequest) -> HttpResponse:
    """Survey results of the person's units for a period: SKM per element, IKM and grade, IPAK, IPKP,
    the sample needed, and the suggestions."""
    from . import selectors

    _need(request, "integrity.view_surveys")
    units, form, since, until = _survey_scope(request)
    if units is None:
        return render(request, "integrity/surveys.html", {"form": form}, status=400)
    overview = selectors.survey_overview(units=units, since=since, until=until)
    context = {
        "form": form,
        "overview": overview,
        "since": since,
        "until": until,
        "walk_in": _walk_in_links(request),
    }
    return render(request, "integrity/surveys.html", context)


def _walk_in_links(request) -> list[dict]:
    """The public survey link and its QR for each service of the person's units, to print for the hall."""
    from django.conf import settings
    from django.urls import reverse

    from bersih.core.models import Unit
    from bersih.licensing.views import qr_svg
    from bersih.services.rules import SERVICES

    own = {a.unit for a in request.user.active_assignments() if a.unit_id}
    links = []
    for unit in sorted(own, key=lambda u: u.path):
        for standard in SERVICES.values():
            serving = Unit.objects.filter(
                path__startswith=unit.path, kind=standard.unit_kind, active=True
            ).first()
            if serving is None:
                continue
            url = settings.SITE_URL + reverse("integrity:survey-walk-in", args=[standard.code, serving.code])
            links.append(
                {"service": standard.name, "unit": serving.name, "url": url, "qr": qr_svg(url, scale=3)}
            )
    return links[:20]


@login_required
def skm_report(request: HttpRequest) -> HttpResponse:
    from . import selectors

    _need(request, "integrity.view_surveys")
    units, form, since, until = _survey_scope(request)
    if units is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    unit = request.user.active_assignments()[0].unit
    overview = selectors.survey_overview(units=units, since=since, until=until)
    data = reports.skm_report_pdf(unit.polres() or unit, overview, since=since, until=until)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="laporan-skm-{since}-{until}.pdf"'
    return response


@login_required
@require_POST
def assessment_surveys(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the period's IPAK and IPKP from the citizen surveys into the hasil component."""
    _need(request, "integrity.advance_assessment")
    assessment = _assessment(request, pk)
    try:
        services.assessment_surveys_refresh(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("integrity:assessment", pk=assessment.pk)


@login_required
def integrity_signals(request: HttpRequest) -> HttpResponse:
    """The signals the other modules raise, for oversight: queue overrides and brokers' signs, ETLE
    rejections and corrections per officer, pungli reports and breached service times, by week."""
    from django.utils import timezone

    from bersih.core import charts
    from bersih.core.forms import PeriodForm

    from . import signals

    _need(request, "integrity.view_signals")
    start, end = signals.default_period(timezone.localdate())
    form = PeriodForm(request.GET or {"start": start.isoformat(), "end": end.isoformat()})
    if not form.is_valid():
        return render(request, "integrity/signals.html", {"form": form}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    data = signals.signals(request.user, start=start, end=end, now=timezone.now())
    chart = charts.columns(
        [(f"{w['week']:%d/%m}", w["reports"] + w["overrides"] + w["breached"]) for w in data["weeks"]]
    )
    return render(
        request,
        "integrity/signals.html",
        {"form": form, "data": data, "chart": chart, "start": start, "end": end},
    )
