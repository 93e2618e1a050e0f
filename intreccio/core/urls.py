from django.urls import path

from intreccio.accounts.views import home
from intreccio.core import views

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]
