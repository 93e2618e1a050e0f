from django.urls import URLPattern, path

from intreccio.meetings import views

app_name = "meetings"
urlpatterns: list[URLPattern] = [
    path("caso/<int:case_pk>/", views.case_panel, name="case_panel"),
    path("caso/<int:case_pk>/nuovo/", views.meeting_new, name="meeting_new"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/modifica/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/annulla/", views.meeting_cancel, name="meeting_cancel"),
    path("<int:pk>/presenze/", views.attendance, name="attendance"),
    path("<int:pk>/verbale/", views.minutes, name="minutes"),
    path("<int:pk>/decisioni/nuova/", views.decision_add, name="decision_add"),
    path("<int:pk>/mediatore/", views.mediator_book, name="mediator_book"),
    path("<int:pk>/mediatore/<int:booking_pk>/stato/", views.booking_status, name="booking_status"),
    path("<int:pk>/invito.ics", views.ics, name="ics"),
    path("mediatori/", views.mediator_list, name="mediator_list"),
    path("mediatori/nuovo/", views.mediator_create, name="mediator_create"),
    path("mediatori/<int:pk>/", views.mediator_update, name="mediator_update"),
]
