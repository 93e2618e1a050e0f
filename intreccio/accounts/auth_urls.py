"""Account URLs of our own, mounted beside allauth's under /account/."""

from django.urls import path

from intreccio.accounts import views

urlpatterns = [
    path("role/", views.switch_role, name="switch_role"),
]
