"""Home, creating a review, the review overview, its settings and its members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import registry, selectors
from ..forms import (
    AccountCreateForm,
    InviteForm,
    MemberRolesForm,
    RestoreForm,
    ReviewCreateForm,
    ReviewSettingsForm,
)
from ..models import RestoreJob, SourceKind
from ..services import invitations
from ..services import restores as restore_services
from ..services import reviews as services
from .common import add_service_errors, dashboard_panels, member_page, owner_or_403, page


@login_required
def home(request):
    reviews = list(selectors.reviews_for(request.user))
    memberships = selectors.memberships_of_user(request.user)
    tasks = registry.next_tasks(list(memberships.values()))
    progress = registry.review_progress(reviews)
    rows = [
        (review, memberships.get(review.pk), tasks.get(review.pk, []), progress.get(review.pk, []))
        for review in reviews
    ]
    return render(request, "reviewapp/home.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request):
    form = ReviewCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Review '{review.title}' created. Add your search sources next.")
            return redirect("review-detail", review.slug)
    status = 400 if form.is_bound else 200
    return render(request, "reviewapp/review_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review_restore_page(request):
    """Staff only: upload a backup; a worker restores it as a new review (it may take minutes)."""
    restore_services.require_staff(request.user)
    posted = request.method == "POST"  # a POST without the file is bound, so its error shows
    form = RestoreForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            job = restore_services.restore_start(
                actor=request.user,
                fileobj=data["backup"],
                file_name=data["backup"].name,
                slug=data["slug"],
                join_as_owner=data["join_as_owner"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("review-restore-job", job.pk)
    status = 400 if form.is_bound else 200
    recent = selectors.restore_jobs_recent()
    return render(request, "reviewapp/review_restore.html", {"form": form, "recent": recent}, status=status)


def _restore_context(request, job: RestoreJob) -> dict:
    progress = restore_services.restore_progress(job)
    return {"job": job, "progress": progress, **selectors.restore_result(progress["slug"], request.user)}


@login_required
@require_GET
def review_restore_job(request, pk):
    restore_services.require_staff(request.user)
    job = get_object_or_404(RestoreJob.objects.select_related("created_by"), pk=pk)
    return render(request, "reviewapp/restore_job.html", _restore_context(request, job))


@login_required
@require_GET
def review_restore_progress(request, pk):
    """The progress partial the restore page polls (htmx) until the restore has finished."""
    restore_services.require_staff(request.user)
    job = get_object_or_404(RestoreJob, pk=pk)
    return render(request, "reviewapp/_restore_progress.html", _restore_context(request, job))


@login_required
@require_GET
def review_detail(request, slug):
    review, member = member_page(request, slug)
    sources = list(selectors.sources_of_review(review))
    by_kind = {kind: sum(s.records_total for s in sources if s.kind == kind) for kind in SourceKind.values}
    return page(
        request,
        "reviewapp/review_detail.html",
        review,
        member,
        "overview",
        states=selectors.record_states(review),
        sources=sources,
        by_kind=by_kind,
        imports=selectors.imports_of(review)[:5],
        dedup_run=selectors.latest_dedup_run(review),
        candidates=selectors.candidate_counts(review),
        members=selectors.members_of(review),
        panels=dashboard_panels(request, review, member),
        tasks=registry.next_tasks([member]).get(review.pk, []),
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_settings(request, slug):
    review, member = owner_or_403(request, slug)
    form = ReviewSettingsForm.for_review(review, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update(review=review, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("review-settings", review.slug)
    return page(
        request,
        "reviewapp/review_settings.html",
        review,
        member,
        "settings",
        form=form,
        status=400 if form.is_bound else 200,
    )


def _members_page(request, review, member, *, invite_form=None, account_form=None, status=200):
    return page(
        request,
        "reviewapp/members.html",
        review,
        member,
        "members",
        status=status,
        members=selectors.members_of(review),
        invitations=selectors.pending_invitations(review) if member.is_owner else [],
        invite_form=invite_form or InviteForm(),
        account_form=account_form or AccountCreateForm(),
    )


def accept_url(request) -> str:
    """The absolute accept link with "{token}" where an invitation's token goes."""
    return request.build_absolute_uri(reverse("invitation", args=["TOKEN"])).replace("TOKEN", "{token}")


def invited_message(to: str, link: str) -> str:
    """The same words whether or not `to` names an existing account: the page never tells."""
    return (
        f"Invitation for “{to}” recorded. If this is an e-mail address, or an account with one, a link to "
        f"accept was e-mailed; you can also pass the link on yourself: {link}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request, slug):
    """Everyone sees the members; the owner invites people here (POST): they join once they accept."""
    review, member = member_page(request, slug)
    if request.method == "GET":
        return _members_page(request, review, member)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            sent = invitations.invitation_create(
                review=review, actor=request.user, accept_url=accept_url(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            link = accept_url(request).replace("{token}", sent.token)
            messages.success(request, invited_message(sent.invitation.invitee, link))
            return redirect("member-list", review.slug)
    return _members_page(request, review, member, invite_form=form, status=400)


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    review, member = member_page(request, slug)
    try:
        revoked = invitations.invitation_revoke(review=review, actor=request.user, invitation_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The invitation for “{revoked.invitee}” was revoked.")
    return redirect("member-list", review.slug)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The invitee's page: which review, which roles, from whom; accept or decline (POST)."""
    found = invitations.invitation_for_token(token)
    if found is None:
        raise Http404("No such invitation.")
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                invitations.invitation_accept(invitation=found, user=request.user)
                messages.success(request, f"Welcome to “{found.review.title}”.")
                return redirect("review-detail", found.review.slug)
            invitations.invitation_decline(invitation=found, user=request.user)
            messages.success(request, "Invitation declined.")
            return redirect("home")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    found.refresh_from_db()
    return render(
        request,
        "reviewapp/invitation.html",
        {"invitation": found, "expired": found.expires_at <= timezone.now()},
    )


@login_required
@require_POST
def member_account_new(request, slug):
    """Staff only: create an account and add it (owners invite people instead)."""
    review, member = member_page(request, slug)
    if not request.user.is_staff:
        raise PermissionDenied("Only staff create accounts. Invite the person by e-mail address instead.")
    form = AccountCreateForm(request.POST)
    if form.is_valid():
        try:
            added = services.member_create_account(review=review, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Account '{added.user.username}' created and added as "
                f"{', '.join(added.roles)}. Give them their password.",
            )
            return redirect("member-list", review.slug)
    return _members_page(request, review, member, account_form=form, status=400)


@login_required
@require_POST
def member_roles(request, slug, pk):
    review, member = member_page(request, slug)
    target = get_object_or_404(selectors.members_of(review), pk=pk)
    form = MemberRolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{target.user.username}: tick at least one role (or remove the member).")
        return redirect("member-list", review.slug)
    try:
        changed = services.member_set(
            review=review, actor=request.user, user=target.user, roles=form.cleaned_data["roles"]
        )
    except ValidationError as exc:
        messages.error(request, f"{target.user.username}: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"{changed.user.username} is now {', '.join(changed.roles)}.")
    return redirect("member-list", review.slug)


@login_required
@require_POST
def member_remove(request, slug, pk):
    review, member = member_page(request, slug)
    target = get_object_or_404(selectors.members_of(review), pk=pk)
    try:
        services.member_remove(review=review, actor=request.user, member=target)
    except ValidationError as exc:
        messages.error(request, f"{target.user.username}: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"{target.user.username} was removed from the review.")
    return redirect("member-list", review.slug)
