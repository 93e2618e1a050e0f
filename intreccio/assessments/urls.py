from django.urls import URLPattern, path

from intreccio.assessments import views

app_name = "assessments"
urlpatterns: list[URLPattern] = [
    path("caso/<int:case_pk>/", views.case_panel, name="case_panel"),
    path("caso/<int:case_pk>/nuova/", views.assessment_new, name="assessment_new"),
    path("caso/<int:case_pk>/confronto/", views.compare, name="compare"),
    path("<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("<int:pk>/compila/", views.assessment_edit, name="assessment_edit"),
    path("<int:pk>/concludi/", views.assessment_complete, name="assessment_complete"),
    path("<int:pk>/profilo/", views.profile_new, name="profile_new"),
]
