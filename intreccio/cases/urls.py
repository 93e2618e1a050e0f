from django.urls import URLPattern, path

from intreccio.cases import views

app_name = "cases"
urlpatterns: list[URLPattern] = [
    path("", views.caseload, name="caseload"),
    path("allocazione/", views.allocation_queue, name="allocation_queue"),
    path("nuovo/<int:intake_pk>/", views.case_open, name="case_open"),
    path("accesso/<int:intake_pk>/", views.intake_case_link, name="intake_case_link"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/sezioni/<slug:section>/", views.case_section, name="case_section"),
    path("<int:pk>/cronologia/", views.case_timeline, name="case_timeline"),
    path("<int:pk>/note/", views.note_add, name="note_add"),
    path("<int:pk>/azioni/<slug:action>/", views.case_action, name="case_action"),
]
