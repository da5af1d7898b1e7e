from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from reviewapp.views.favicon import favicon

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("reviewapp.api.urls")),
    path("api/v1/", include("screening.api.urls")),
    path("api/v1/", include("extraction.api.urls")),
    path("api/v1/", include("extraction.rob.api.urls")),
    path("api/v1/", include("synthesis.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("reviews/<slug:slug>/screening/", include("screening.urls")),
    path("reviews/<slug:slug>/extraction/", include("extraction.urls")),
    path("reviews/<slug:slug>/risk-of-bias/", include("extraction.rob.urls")),
    path("reviews/<slug:slug>/synthesis/", include("synthesis.urls")),
    path("", include("reviewapp.web_urls")),
]

handler400 = "reviewapp.views.errors.bad_request"
handler403 = "reviewapp.views.errors.permission_denied"
handler404 = "reviewapp.views.errors.page_not_found"
handler500 = "reviewapp.views.errors.server_error"
