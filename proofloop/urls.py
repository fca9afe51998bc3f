"""Every URL of the project: accounts and organizations (core), the Django admin, the REST API,
and the validation app's pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("validation.api.urls")),
    path("", include("validation.urls")),
]
