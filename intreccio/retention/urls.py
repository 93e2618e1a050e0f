from django.urls import path

from intreccio.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("blocchi/nuovo/", views.hold_place, name="hold_place"),
    path("blocchi/<int:pk>/revoca/", views.hold_lift, name="hold_lift"),
]
