from django.urls import path

from intreccio.history import views

app_name = "history"
urlpatterns = [
    path("", views.row_changes, name="row_changes"),
]
