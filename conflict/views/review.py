"""The review pages: parse the form, check the editor, call one service or selector, render.

Every action is a plain POST form that redirects back (works without JavaScript); when
static/js/review.js sends it with `X-Requested-With: fetch`, the answer is JSON instead so
the queue can move on without reloading.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from conflict import forms
from conflict.models import ChangeRecord, Claim, Event, TaggerProposal
from conflict.permissions import editor_required
from conflict.selectors.history import event_changes_since, event_fields_changed_since
from conflict.selectors.review import (
    actors_lookup,
    places_lookup,
    proposals_open,
    review_event_page,
    review_queue,
)
from conflict.services import review as review_services
from conflict.services.events import EventVersionConflict
from reports.models import Report


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _event_url(event_id: int) -> str:
    return reverse("review:event", args=[event_id])


def _done(request: HttpRequest, message: str, default: str, **extra: Any) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, **extra})
    messages.success(request, message)
    return redirect(_back(request, default))


def _failed(request: HttpRequest, message: str, default: str, status: int = 400) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": message}, status=status)
    messages.error(request, message)
    return redirect(_back(request, default))


def _event_page(request: HttpRequest, event_id: int, *, status: int = 200, **context: Any) -> HttpResponse:
    try:
        page = review_event_page(event_id=event_id)
    except Event.DoesNotExist as exc:
        raise Http404("No such event") from exc
    context.setdefault("correct_form", forms.CorrectForm.for_event(page.event))
    context.setdefault("reject_form", forms.RejectForm(initial={"version": page.event.version}))
    context.setdefault("merge_form", forms.MergeForm(initial={"version": page.event.version}))
    return render(request, "review/event_detail.html", {"page": page, "event": page.event,
                                                        "next": _back(request, ""), **context}, status=status)


def _conflict(request: HttpRequest, exc: EventVersionConflict, **context: Any) -> HttpResponse:
    """Show what the other editor changed, with the editor's own input kept for re-applying."""
    theirs = event_changes_since(event=exc.event, version=exc.expected_version)
    if _wants_json(request):
        return JsonResponse({"ok": False, "conflict": True, "message": str(exc), "url": _event_url(exc.event.pk)},
                            status=409)
    return _event_page(request, exc.event.pk, status=409, conflict=exc, conflict_changes=theirs, **context)


def _event(event_id: int) -> Event:
    return get_object_or_404(Event, pk=event_id)


# --- pages ----------------------------------------------------------------------------------

@editor_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.filters() if request.GET else forms.QueueFilterForm({}).filters()
    result = review_queue(filters=filters, page=request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "review/queue.html", {
        "form": form, "result": result, "page": result.page, "counts": result.counts, "filters": filters,
        "query": query.urlencode(), "here": request.get_full_path(),
    })


@editor_required
@require_GET
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    return _event_page(request, event_id)


@editor_required
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    return render(request, "review/proposals.html", {
        "items": proposals_open(),
        "create_form": forms.ProposalPlaceCreateForm(),
    })


@editor_required
@require_GET
def lookup_places(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"results": [m.to_json() for m in places_lookup(query=request.GET.get("q", "")[:200])]})


@editor_required
@require_GET
def lookup_actors(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"results": [m.to_json() for m in actors_lookup(query=request.GET.get("q", "")[:200])]})


# --- event actions ------------------------------------------------------------------------------

@editor_required
@require_POST
def event_accept(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    form = forms.AcceptForm(request.POST)
    if not form.is_valid():
        return _failed(request, "The form was missing the event version; reload the page.", _event_url(event_id))
    try:
        event = review_services.event_accept(event=event, user=request.user,
                                             expected_version=form.cleaned_data["version"])
    except EventVersionConflict as exc:
        return _conflict(request, exc)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), _event_url(event_id))
    return _done(request, f"Event {event.pk} accepted.", _event_url(event_id), status=event.status,
                 version=event.version)


@editor_required
@require_POST
def event_reject(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    form = forms.RejectForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return _failed(request, "Say why the event is rejected.", _event_url(event_id))
        return _event_page(request, event_id, status=400, reject_form=form)
    try:
        event = review_services.event_reject(event=event, user=request.user, reason=form.cleaned_data["reason"],
                                             expected_version=form.cleaned_data["version"])
    except EventVersionConflict as exc:
        return _conflict(request, exc, reject_form=forms.RejectForm(
            initial={"version": exc.event.version, "reason": form.cleaned_data["reason"]}))
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), _event_url(event_id))
    return _done(request, f"Event {event.pk} rejected.", _event_url(event_id), status=event.status,
                 version=event.version)


@editor_required
@require_POST
def event_correct(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    form = forms.CorrectForm(request.POST)
    if not form.is_valid():
        return _event_page(request, event_id, status=400, correct_form=form)
    try:
        event = review_services.event_correct(event=event, user=request.user, changes=form.changes(),
                                              expected_version=form.cleaned_data["version"],
                                              reason=form.cleaned_data["reason"])
    except EventVersionConflict as exc:
        data = request.POST.copy()
        data["version"] = str(exc.event.version)  # re-submitting applies the editor's values over theirs
        kept = forms.correction_rebase(data=data, mine=form.changes(), event=exc.event,
                                       theirs=event_fields_changed_since(event=exc.event,
                                                                         version=exc.expected_version))
        return _conflict(request, exc, correct_form=forms.CorrectForm(data), kept_theirs=kept)
    except (review_services.ReviewError, ValueError) as exc:
        form.add_error(None, str(exc))
        return _event_page(request, event_id, status=400, correct_form=form)
    return _done(request, f"Event {event.pk} corrected.", _event_url(event_id), version=event.version)


@editor_required
@require_POST
def event_merge(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        return _event_page(request, event_id, status=400, merge_form=form)
    into = Event.objects.filter(pk=form.cleaned_data["into"]).first()
    if into is None:
        form.add_error("into", "There is no such event.")
        return _event_page(request, event_id, status=400, merge_form=form)
    try:
        review_services.event_merge(event=event, into=into, user=request.user,
                                    expected_version=form.cleaned_data["version"],
                                    into_expected_version=form.cleaned_data.get("into_version"))
    except EventVersionConflict as exc:
        return _conflict(request, exc)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), _event_url(event_id))
    return _done(request, f"Event {event.pk} merged into event {into.pk}.", _event_url(into.pk), into=into.pk)


@editor_required
@require_POST
def claim_split(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=claim_id)
    form = forms.SplitForm(request.POST)
    default = _event_url(claim.event_id) if claim.event_id else reverse("review:queue")
    if not form.is_valid():
        return _failed(request, "The form was missing the event version; reload the page.", default)
    try:
        new = review_services.claim_split(claim=claim, user=request.user,
                                          expected_version=form.cleaned_data["version"])
    except EventVersionConflict as exc:
        return _conflict(request, exc)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), default)
    return _done(request, f"Claim {claim.pk} split off into event {new.pk}.", default, event=new.pk)


@editor_required
@require_POST
def change_undo(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(ChangeRecord, pk=record_id)
    form = forms.UndoForm(request.POST)
    default = _event_url(record.object_id) if record.object_type == "event" else reverse("review:queue")
    if not form.is_valid():
        return _failed(request, "Bad undo request.", default)
    try:
        review_services.change_undo(record=record, user=request.user,
                                    expected_version=form.cleaned_data.get("version"))
    except EventVersionConflict as exc:
        return _conflict(request, exc)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), default, status=409)
    return _done(request, f"Change {record.pk} ({record.action}) undone.", default)


@editor_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    form = forms.BulkForm(request.POST)
    queue_url = reverse("review:queue")
    if not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        return _failed(request, errors, queue_url)
    try:
        result = review_services.events_bulk_review(
            event_ids=list(form.selected), action=form.cleaned_data["action"], user=request.user,
            reason=form.cleaned_data["reason"], versions=form.versions())
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), queue_url)
    verb = "accepted" if form.cleaned_data["action"] == "accept" else "rejected"
    message = f"{len(result.done)} event(s) {verb}."
    if result.skipped:
        message += " Skipped: " + "; ".join(f"event {k}: {v}" for k, v in sorted(result.skipped.items()))
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "done": result.done,
                             "skipped": {str(k): v for k, v in result.skipped.items()}})
    (messages.warning if result.skipped else messages.success)(request, message)
    return redirect(_back(request, queue_url))


@editor_required
@require_POST
def report_duplicate(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(Report, pk=report_id)
    form = forms.DuplicateForm(request.POST)
    default = reverse("review:queue")
    if not form.is_valid():
        return _failed(request, "Give the id of the report this one duplicates.", default)
    original = Report.objects.filter(pk=form.cleaned_data["duplicate_of"]).first()
    if original is None:
        return _failed(request, f"There is no report {form.cleaned_data['duplicate_of']}.", default)
    try:
        touched = review_services.report_mark_duplicate(report=report, duplicate_of=original, user=request.user)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), default)
    return _done(request, f"Report {report.pk} marked as a duplicate of report {original.pk}; "
                          f"{len(touched)} event(s) recomputed.", default)


# --- proposals ---------------------------------------------------------------------------------

def _proposal(proposal_id: int) -> TaggerProposal:
    return get_object_or_404(TaggerProposal, pk=proposal_id)


def _form_errors(form: Any) -> str:
    return "; ".join(f"{k}: {e}" if k != "__all__" else e for k, errs in form.errors.items() for e in errs)


@editor_required
@require_POST
def proposal_place_create(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id)
    form = forms.ProposalPlaceCreateForm(request.POST)
    back = reverse("review:proposals")
    if not form.is_valid():
        return _failed(request, f"{proposal.name}: {_form_errors(form)}", back)
    try:
        place = review_services.proposal_place_create(proposal=proposal, user=request.user, **form.cleaned_data)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), back)
    return _done(request, f"{place.name} added to the gazetteer; its reports are being re-tagged.", back)


@editor_required
@require_POST
def proposal_place_fold(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id)
    form = forms.ProposalPlaceFoldForm(request.POST)
    back = reverse("review:proposals")
    if not form.is_valid():
        return _failed(request, f"{proposal.name}: {_form_errors(form)}", back)
    try:
        place = review_services.proposal_place_fold(proposal=proposal, into=form.cleaned_data["place"],
                                                    user=request.user)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), back)
    return _done(request, f"{proposal.name} is now a spelling of {place.name}.", back)


@editor_required
@require_POST
def proposal_actor_alias(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id)
    form = forms.ProposalActorAliasForm(request.POST)
    back = reverse("review:proposals")
    if not form.is_valid():
        return _failed(request, f"{proposal.name}: {_form_errors(form)}", back)
    try:
        alias = review_services.proposal_actor_alias_add(proposal=proposal, actor=form.cleaned_data["actor"],
                                                         user=request.user)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), back)
    return _done(request, f"{alias.name} is now an alias of {alias.actor.name}.", back)


@editor_required
@require_POST
def proposal_dismiss(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id)
    back = reverse("review:proposals")
    try:
        review_services.proposal_dismiss(proposal=proposal, user=request.user)
    except review_services.ReviewError as exc:
        return _failed(request, str(exc), back)
    return _done(request, f"Proposal {proposal.name} dismissed.", back)
