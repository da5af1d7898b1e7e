"""One service pattern for dual work: lock the item -> write a judgement -> settle -> audit events.

An app parametrises `DualWork` once (its models, what names the item, what "agree" means, what its
outcome records) and writes its services as:

    state = WORK.lock(review, record=record_id, stage=stage)  # row lock on the item, reads its state
    WORK.judgement_add(state, actor, decision=..., note=...)  # or judgement_change / judgement_retract
    WORK.settle(state, actor)  # an outcome by agreement/consensus, or a conflict

and arbitration as `WORK.arbitrate(state, actor, values={...}, note=...)`. Every change writes its audit
event in the same transaction; callers wrap the whole in @transaction.atomic. Validation that is the app's
own (who may judge, which values are allowed, whether the item is up for work) stays in the app.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from ..services.audit import event_log
from .models import ConflictStatus, ResolutionMethod, RevisionKind
from .settle import Agreed, Disagreed, Settlement, settle


@dataclass
class WorkState:
    """What is decided about one item, read under the item's lock. `item` holds the fields naming the item
    (e.g. {"record": <Record>, "stage": "title_abstract"}), shared by judgement, outcome and conflict."""

    review: Any
    item: dict[str, Any]
    judgements: list[Any]
    outcome: Any | None
    conflict: Any | None
    judge_field: str = field(default="reviewer", repr=False)
    # set when a judgement changes after the item's judgements were complete (its judge could see the
    # others): such a change settles by consensus, never as independent agreement
    changed_after_complete: bool = field(default=False, repr=False)

    @property
    def complete(self) -> bool:
        """Were the judgements complete (an outcome, or an open conflict)? Blinding lifts from then on."""
        return self.outcome is not None or self.conflict_open

    def __getattr__(self, name: str) -> Any:
        """The item's fields read as attributes: state.record, state.stage."""
        item = self.__dict__.get("item") or {}
        if name in item:
            return item[name]
        raise AttributeError(name)

    def judgement_of(self, user) -> Any | None:
        attr = f"{self.judge_field}_id"
        return next((j for j in self.judgements if getattr(j, attr) == user.pk), None)

    @property
    def conflict_open(self) -> bool:
        return self.conflict is not None and self.conflict.status == ConflictStatus.OPEN


class DualWork:
    """Parametrise per app: set the models and override the hooks marked "hook"."""

    judgement_model: type[models.Model]
    outcome_model: type[models.Model]
    conflict_model: type[models.Model]
    revision_model: type[models.Model]
    outcome_fields: tuple[str, ...] = ()  # the outcome's judged values, e.g. ("decision", "reason_id")
    judge_field = "reviewer"
    judgement_noun = "vote"  # the key of the judgement's id in audit events
    verbs = {
        "added": "vote.cast",
        "changed": "vote.changed",
        "retracted": "vote.retracted",
        "reached": "verdict.reached",
        "withdrawn": "verdict.withdrawn",
        "opened": "conflict.opened",
        "resolved": "conflict.resolved",
        "reopened": "conflict.reopened",
    }

    # --- hooks -------------------------------------------------------------------------------------

    def lock_item(self, review, item: dict[str, Any]) -> dict[str, Any]:
        """hook: lock the row that stands for the item (SELECT ... FOR UPDATE) and return the item fields
        with model instances in place of ids. Raise ValidationError if there is no such item."""
        raise NotImplementedError

    def required(self, state: WorkState) -> int:
        """hook: how many independent judgements the item needs."""
        return state.review.votes_required

    def compare(self, state: WorkState) -> Callable[[Any], Hashable]:
        """hook: the value that must be equal for agreement (see settle.py)."""
        raise NotImplementedError

    def agreed_values(self, state: WorkState, value: Hashable) -> dict[str, Any]:
        """hook: the outcome's field values when the judgements agree on `value`."""
        raise NotImplementedError

    def revision_values(self, judgement) -> dict[str, Any]:
        """hook: the revision row's fields that copy `judgement` (item, judge, values)."""
        raise NotImplementedError

    def event_subject(self, state: WorkState) -> dict[str, Any]:
        """hook: what every event about the item names (event_log kwargs), e.g. record and stage."""
        return dict(state.item)

    def outcome_summary(self, values: dict[str, Any]) -> dict[str, Any]:
        """hook: how an outcome is named in "withdrawn" and "resolved" events."""
        return dict(values)

    def outcome_event_data(self, values: dict[str, Any]) -> dict[str, Any]:
        """hook: how an outcome is described in its "reached" event."""
        return self.outcome_summary(values)

    # --- reading under the lock ------------------------------------------------------------------

    def lock(self, review, **item) -> WorkState:
        item = self.lock_item(review, item)
        judgements = list(self.judgement_model.objects.filter(**item).order_by("id"))
        outcome = self.outcome_model.objects.filter(**item).first()
        conflict = self.conflict_model.objects.filter(**item).first()
        return WorkState(review, item, judgements, outcome, conflict, self.judge_field)

    # --- writing judgements ----------------------------------------------------------------------

    def judgement_add(self, state: WorkState, actor, **values):
        judgement = self.judgement_model.objects.create(
            review=state.review, **state.item, **{self.judge_field: actor}, **values
        )
        state.judgements.append(judgement)
        self._event(state, actor, "added", **{self.judgement_noun: judgement.pk})
        return judgement

    def judgement_change(self, state: WorkState, actor, judgement, **values):
        """Change a judgement. Once the item's judgements were complete its judge may have seen the others,
        so the revision is flagged (`during_conflict`: agreement statistics use the value before it) and the
        change settles by consensus."""
        after_complete = state.complete
        state.changed_after_complete = state.changed_after_complete or after_complete
        revision = self.revision_keep(judgement, RevisionKind.CHANGED, during_conflict=after_complete)
        for name, value in values.items():
            setattr(judgement, name, value)
        judgement.save(update_fields=[*self._field_names(values), "updated_at"])
        self._event(state, actor, "changed", **{self.judgement_noun: judgement.pk, "revision": revision.pk})
        return judgement

    def judgement_retract(self, state: WorkState, actor, judgement) -> None:
        judgement_id = judgement.pk
        revision = self.revision_keep(judgement, RevisionKind.RETRACTED, during_conflict=False)
        judgement.delete()
        state.judgements.remove(judgement)
        self._event(state, actor, "retracted", **{self.judgement_noun: judgement_id, "revision": revision.pk})

    def revision_keep(self, judgement, kind: str, *, during_conflict: bool):
        return self.revision_model.objects.create(
            **self.revision_values(judgement), kind=kind, during_conflict=during_conflict
        )

    # --- settling --------------------------------------------------------------------------------

    def settle(self, state: WorkState, actor) -> Settlement:
        """Bring the item's outcome and conflict in line with its judgements:
        waiting -> no outcome by agreement (withdrawn); disagreed -> an open conflict; agreed -> an outcome
        by agreement, or by consensus when the judgements came to agree while the item was in conflict."""
        result = settle(state.judgements, required=self.required(state), compare=self.compare(state))
        if isinstance(result, Agreed):
            values = self.agreed_values(state, result.value)
            if state.conflict_open:
                self.conflict_close(state, actor)
                self.outcome_write(state, actor, values, method=ResolutionMethod.CONSENSUS)
            elif state.outcome is None or not self._same(state.outcome, values):
                method = (
                    ResolutionMethod.CONSENSUS if state.changed_after_complete else ResolutionMethod.AGREEMENT
                )
                self.outcome_write(state, actor, values, method=method)
            return result
        self.outcome_withdraw(state, actor)
        if isinstance(result, Disagreed):
            self.conflict_open(state, actor)
        return result

    def outcome_withdraw(self, state: WorkState, actor) -> None:
        if state.outcome is None:
            return
        self._event(
            state,
            actor,
            "withdrawn",
            **self.outcome_summary(self.outcome_values_of(state.outcome)),
            method=state.outcome.method,
        )
        state.outcome.delete()
        state.outcome = None

    def conflict_open(self, state: WorkState, actor) -> None:
        if state.conflict_open:
            return
        if state.conflict is None:
            state.conflict = self.conflict_model.objects.create(review=state.review, **state.item)
        else:  # defensive: judgements are closed once a conflict is resolved, so this is not expected
            self._conflict_set(state.conflict, ConflictStatus.OPEN, None, None)
        self._event(state, actor, "opened", conflict=state.conflict.pk)

    def conflict_close(self, state: WorkState, actor) -> None:
        self._conflict_set(state.conflict, ConflictStatus.RESOLVED, timezone.now(), actor)

    def outcome_write(
        self, state: WorkState, actor, values: dict[str, Any], *, method: str, note: str = ""
    ) -> None:
        row = {
            **values,
            "method": method,
            "note": note,
            "decided_by": actor if method != ResolutionMethod.AGREEMENT else None,
        }
        if state.outcome is None:
            state.outcome = self.outcome_model.objects.create(review=state.review, **state.item, **row)
        else:
            for name, value in row.items():
                setattr(state.outcome, name, value)
            state.outcome.save()
        self._event(
            state,
            actor,
            "reached",
            **self.outcome_event_data(values),
            method=method,
            note=note,
            conflict=state.conflict.pk if state.conflict else None,
        )

    def arbitrate(self, state: WorkState, actor, *, values: dict[str, Any], note: str = ""):
        """The arbiter's decision on an item in conflict (the caller checked the role and the values)."""
        self.conflict_close(state, actor)
        self.outcome_write(state, actor, values, method=ResolutionMethod.ARBITRATION, note=note)
        self._event(
            state,
            actor,
            "resolved",
            conflict=state.conflict.pk,
            **self.outcome_summary(values),
            method=ResolutionMethod.ARBITRATION,
        )
        return state.outcome

    def reopen(self, state: WorkState, actor, *, note: str = "") -> None:
        """Reopen a resolved conflict (the arbiter thinks again): the outcome it settled on is withdrawn
        and the item is in conflict again, to be settled by consensus or arbitration as before."""
        previous = self.outcome_summary(self.outcome_values_of(state.outcome)) if state.outcome else {}
        method = state.outcome.method if state.outcome else ""
        self.outcome_withdraw(state, actor)
        self._conflict_set(state.conflict, ConflictStatus.OPEN, None, None)
        self._event(
            state,
            actor,
            "reopened",
            conflict=state.conflict.pk,
            **{f"was_{name}": value for name, value in previous.items()},
            method=method,
            note=note,
        )

    # --- helpers ---------------------------------------------------------------------------------

    def _event(self, state: WorkState, actor, what: str, **data) -> None:
        subject = self.event_subject(state)
        event_log(review=state.review, actor=actor, verb=self._verb(what), **subject, **data)

    def _verb(self, what: str) -> str:
        """The audit verb of a step; "reopened" defaults from "opened" for apps whose `verbs` predate it."""
        if what == "reopened" and what not in self.verbs:
            return self.verbs["opened"].replace("opened", "reopened")
        return self.verbs[what]

    @staticmethod
    def _conflict_set(conflict, status: str, when, by) -> None:
        conflict.status, conflict.resolved_at, conflict.resolved_by = status, when, by
        conflict.save(update_fields=["status", "resolved_at", "resolved_by", "updated_at"])

    def outcome_values_of(self, outcome) -> dict[str, Any]:
        return {name: getattr(outcome, name) for name in self.outcome_fields}

    def _same(self, outcome, values: dict[str, Any]) -> bool:
        return all(getattr(outcome, name) == value for name, value in values.items())

    def _field_names(self, values: dict[str, Any]) -> list[str]:
        return [name[:-3] if name.endswith("_id") else name for name in values]
