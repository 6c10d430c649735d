"""The desk's pages (its websocket is in desk.routing)."""

from django.urls import path

from desk import views

app_name = "desk"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("control/", views.control, name="control"),
]
