from django.urls import path, register_converter

from . import views, views_setup
from .models import Stage


class StageConverter:
    regex = "|".join(Stage.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(StageConverter, "stage")

app_name = "screening"
urlpatterns = [
    path("", views.index, name="index"),
    path("screen/<stage:stage>/", views.screen, name="screen"),
    path("screen/<stage:stage>/vote/", views.vote, name="vote"),
    path("screen/<stage:stage>/undo/", views.undo, name="undo"),
    path("screen/<stage:stage>/progress/", views.progress, name="progress"),
    path("screen/<stage:stage>/prepare/", views.prepare, name="prepare"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:pk>/", views.conflict_detail, name="conflict"),
    path("conflicts/<int:pk>/reopen/", views.conflict_reopen, name="conflict-reopen"),
    path("fulltext/", views.fulltext, name="fulltext"),
    path("fulltext/reasons/", views.reasons, name="reasons"),
    path("fulltext/bulk/", views.bulk_upload, name="bulk-upload"),
    path("fulltext/bulk/<str:token>/", views.bulk, name="bulk"),
    path("fulltext/bulk/<str:token>/discard/", views.bulk_discard, name="bulk-discard"),
    path("fulltext/<int:record_id>/retrieval/", views.retrieval, name="retrieval"),
    path("fulltext/<int:record_id>/pdf/", views.pdf, name="pdf"),
    path("studies/", views.studies, name="studies"),
    path("agreement/", views.dashboard, name="agreement"),
    path("priority/", views.priority, name="priority"),
    path("stop/", views.stop, name="stop"),
    path("stop/<int:pk>/undo/", views.stop_undo, name="stop-undo"),
    path("setup/", views_setup.setup, name="setup"),
    path("labels/", views_setup.labels, name="labels"),
    path("records/<int:record_id>/label/", views_setup.label_toggle, name="label-toggle"),
    path("pilot/", views_setup.pilot, name="pilot"),
    path("pilot/screen/", views_setup.pilot_screen, name="pilot-screen"),
]
