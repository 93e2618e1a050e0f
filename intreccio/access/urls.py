from django.urls import URLPattern, path

from intreccio.access import views, views_import

app_name = "access"
urlpatterns: list[URLPattern] = [
    path("", views.intake_list, name="intake_list"),
    path("nuovo/", views.intake_create, name="intake_create"),
    path("nuovo/cerca-persona/", views.person_search_fragment, name="person_search"),
    path("coordinamento/", views.coordination_queue, name="coordination_queue"),
    path("persona/<int:person_pk>/", views.person_intakes, name="person_intakes"),
    path("<int:pk>/", views.intake_detail, name="intake_detail"),
    path("<int:pk>/pre-assessment/", views.pre_assessment, name="pre_assessment"),
    path("<int:pk>/chiudi/", views.intake_close, name="intake_close"),
    path("<int:pk>/inoltra/", views.intake_forward, name="intake_forward"),
    path("<int:pk>/urgente/", views.intake_urgent, name="intake_urgent"),
]

# The beneficiary-list import (views_import.py).
urlpatterns += views_import.urlpatterns
