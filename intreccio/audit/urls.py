from django.urls import path

from intreccio.audit import views

app_name = "audit"
urlpatterns = [
    path("accessi/", views.access_log, name="access_log"),
    path("eventi/", views.domain_log, name="domain_log"),
]
