from django.urls import URLPattern, path

from intreccio.rights import views

app_name = "rights"
urlpatterns: list[URLPattern] = [
    path("", views.request_list, name="request_list"),
    path("persona/<int:person_pk>/", views.person_requests, name="person_requests"),
    path("persona/<int:person_pk>/nuova/", views.request_new, name="request_new"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/avvia/", views.request_start, name="request_start"),
    path("<int:pk>/proroga/", views.request_extend, name="request_extend"),
    path("<int:pk>/chiudi/", views.request_close, name="request_close"),
    path("<int:pk>/cancellazione/decisione/", views.erasure_decide, name="erasure_decide"),
    path("<int:pk>/cancellazione/esegui/", views.erasure_execute, name="erasure_execute"),
    path("<int:pk>/registro-accessi/", views.access_report, name="access_report"),
    path("<int:pk>/registro-accessi.pdf", views.access_report_pdf, name="access_report_pdf"),
    path("<int:pk>/copia-dati/", views.subject_export, name="subject_export"),
]
