from django.apps import AppConfig


class ReviewappConfig(AppConfig):
    name = "reviewapp"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from . import registry
        from .next_tasks import next_tasks

        registry.next_tasks_provider(next_tasks)

        registry.backup_models(
            "reviewapp.Membership",
            "reviewapp.SearchSource",
            "reviewapp.ReviewRound",
            "reviewapp.ImportBatch",
            "reviewapp.Study",
            "reviewapp.Record",
            "reviewapp.DuplicateCandidate",
            "reviewapp.DedupRun",
            "reviewapp.AuditEvent",
        )
        # an invitation's token is a secret of this installation: a restored review re-invites instead
        registry.backup_skip("reviewapp.Invitation", "pending invitations: tokens are not carried to a copy")
        registry.backup_event_ids(
            "duplicate.", {"into": "reviewapp.Record", "candidate": "reviewapp.DuplicateCandidate"}
        )
        registry.backup_event_ids(
            "study.",
            {
                "study": "reviewapp.Study",
                "into": "reviewapp.Study",
                "merged": "reviewapp.Study",
                "records": "reviewapp.Record",
            },
        )
