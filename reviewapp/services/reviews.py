"""Reviews, members and search sources."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from .. import registry
from ..models import (
    RESERVED_SLUGS,
    Membership,
    Review,
    Role,
    SearchSource,
    SourceKind,
    reserved_slug_message,
)
from .audit import event_log, model_update

User = get_user_model()
ROLE_FIELDS = {role.value: f"is_{role.value}" for role in Role}


def _role_flags(roles) -> dict[str, bool]:
    roles = set(roles)
    unknown = roles - set(ROLE_FIELDS)
    if unknown:
        raise ValidationError({"roles": f"Unknown role(s): {', '.join(sorted(unknown))}."})
    if not roles:
        raise ValidationError({"roles": "Give at least one role."})
    return {field: role in roles for role, field in ROLE_FIELDS.items()}


@transaction.atomic
def review_create(*, slug: str, title: str, owner, description: str = "", reviewer: bool = True) -> Review:
    """Create a review; its creator becomes owner (and, by default, a reviewer too)."""
    slug = slugify(slug)
    if not slug:
        raise ValidationError({"slug": "A slug needs at least one letter or digit."})
    if not title.strip():
        raise ValidationError({"title": "A review needs a title."})
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": reserved_slug_message(slug)})
    if Review.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A review with the slug '{slug}' exists already."})
    review = Review.objects.create(slug=slug, title=title.strip(), description=description, created_by=owner)
    roles = [Role.OWNER, Role.REVIEWER] if reviewer else [Role.OWNER]
    Membership.objects.create(review=review, user=owner, **_role_flags(roles))
    event_log(review=review, actor=owner, verb="review.created", title=review.title, slug=slug)
    return review


REVIEW_SETTINGS = (
    "title",
    "description",
    "votes_required",
    "blind",
    "allow_consensus",
    "owner_can_resolve",
    "inclusion_criteria",
    "exclusion_criteria",
    "include_keywords",
    "exclude_keywords",
)


@transaction.atomic
def review_update(*, review: Review, actor, **changes) -> Review:
    unknown = set(changes) - set(REVIEW_SETTINGS)
    if unknown:
        raise ValidationError(f"Not a review setting: {', '.join(sorted(unknown))}.")
    before, after = model_update(
        instance=review,
        fields=changes,
        actor=actor,
        verb="review.updated",
        review=review,
        clean=lambda r: r.full_clean(exclude=["seed", "slug", "created_by"]),
    )
    if before != after:  # apps react through the registry (screening: N lowered -> settle)
        registry.settings_changed(review=review, actor=actor, before=before, after=after)
    return review


@transaction.atomic
def member_set(*, review: Review, actor, user, roles) -> Membership:
    """Add `user` to the review with `roles`, or change the roles of an existing member."""
    flags = _role_flags(roles)
    member = Membership.objects.select_for_update().filter(review=review, user=user).first()
    before = member.roles if member else []
    if member and member.is_owner and not flags["is_owner"]:
        _keep_an_owner(review, member)
    if member is None:
        member = Membership.objects.create(review=review, user=user, **flags)
    else:
        for field, value in flags.items():
            setattr(member, field, value)
        member.save()
    event_log(
        review=review,
        actor=actor,
        verb="member.set",
        username=user.username,
        before=before,
        after=member.roles,
    )
    registry.members_changed(review=review, user=user)
    return member


def _keep_an_owner(review: Review, leaving: Membership) -> None:
    if not Membership.objects.filter(review=review, is_owner=True).exclude(pk=leaving.pk).exists():
        raise ValidationError("A review needs at least one owner.")


@transaction.atomic
def member_remove(*, review: Review, actor, member: Membership) -> None:
    if member.is_owner:
        _keep_an_owner(review, member)
    event_log(
        review=review, actor=actor, verb="member.removed", username=member.user.username, roles=member.roles
    )
    member.delete()
    registry.members_changed(review=review, user=member.user)


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""):
    """Create an account (owners invite new people this way; they can change the password later)."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": "A username is required."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username '{username}' is taken."})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    from django.contrib.auth.password_validation import validate_password

    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def _clean_source(name: str, kind: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A source needs a name."})
    if kind not in SourceKind.values:
        raise ValidationError({"kind": f"Kind must be one of {', '.join(SourceKind.values)}."})
    return name


@transaction.atomic
def source_create(
    *,
    review: Review,
    actor,
    name: str,
    kind: str = SourceKind.DATABASE,
    date_searched: dt.date | None = None,
    search_string: str = "",
    notes: str = "",
) -> SearchSource:
    name = _clean_source(name, kind)
    if SearchSource.objects.filter(review=review, name__iexact=name).exists():
        raise ValidationError({"name": f"This review has a source named '{name}' already."})
    try:
        with transaction.atomic():
            source = SearchSource.objects.create(
                review=review,
                name=name,
                kind=kind,
                date_searched=date_searched,
                search_string=search_string,
                notes=notes,
            )
    except IntegrityError as exc:  # a concurrent create of the same name
        raise ValidationError({"name": f"This review has a source named '{name}' already."}) from exc
    event_log(review=review, actor=actor, verb="source.created", name=name, kind=kind)
    return source


@transaction.atomic
def source_update(*, source: SearchSource, actor, **changes) -> SearchSource:
    allowed = {"name", "kind", "date_searched", "search_string", "notes"}
    if set(changes) - allowed:
        raise ValidationError(f"Not a source field: {', '.join(sorted(set(changes) - allowed))}.")
    name = _clean_source(changes.get("name", source.name), changes.get("kind", source.kind))
    clash = SearchSource.objects.filter(review=source.review, name__iexact=name).exclude(pk=source.pk)
    if clash.exists():
        raise ValidationError({"name": f"This review has a source named '{name}' already."})
    model_update(
        instance=source,
        fields={**changes, "name": name} if "name" in changes else changes,
        actor=actor,
        verb="source.updated",
        as_value=str,
        only_if_changed=False,
        source=source.pk,
    )
    return source


@transaction.atomic
def source_get_or_create(*, review: Review, actor, name: str, kind: str | None = None) -> SearchSource:
    """The review's source called `name` (case-insensitive), created if it has none (CLI imports)."""
    existing = SearchSource.objects.filter(review=review, name__iexact=name.strip()).first()
    if existing:
        return existing
    return source_create(review=review, actor=actor, name=name, kind=kind or guess_source_kind(name))


def guess_source_kind(name: str) -> str:
    lowered = name.lower()
    if any(
        word in lowered for word in ("clinicaltrials", "register", "registry", "ictrp", "euctr", "isrctn")
    ):
        return SourceKind.REGISTER
    if any(word in lowered for word in ("citation", "reference list", "hand", "website", "expert")):
        return SourceKind.OTHER
    return SourceKind.DATABASE


# --- Added for the browser pages (reviewapp/views/) ---------------------------------------------------------


@transaction.atomic
def member_create_account(*, review: Review, actor, username: str, password: str, roles, email: str = ""):
    """Create an account and add it to the review in one step: both happen or neither.

    Password-policy errors are reported against the `password` field.
    """
    _role_flags(roles)  # refuse bad roles before creating an account
    try:
        user = user_create(username=username, password=password, email=email)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"password": exc.messages}) from exc
    return member_set(review=review, actor=actor, user=user, roles=roles)
