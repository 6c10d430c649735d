"""URL routes: the Django admin, and the live desk (its websocket is routed in tradingsite.asgi)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Naive trading bot"
admin.site.site_title = "Trading bot admin"
# The lists need the width (every column readable at 1,400 px): the index and breadcrumbs lead everywhere.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("desk/", include("desk.urls")),
]
