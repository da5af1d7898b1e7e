from django.apps import AppConfig


class ReviewappConfig(AppConfig):
    name = "reviewapp"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from . import registry

        registry.backup_models(
            "reviewapp.Membership",
            "reviewapp.SearchSource",
            "reviewapp.ImportBatch",
            "reviewapp.Study",
            "reviewapp.Record",
            "reviewapp.DuplicateCandidate",
            "reviewapp.DedupRun",
            "reviewapp.AuditEvent",
        )
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
