from django.urls import URLPattern, path

from intreccio.blackout import views

app_name = "blackout"
urlpatterns: list[URLPattern] = [
    path("", views.blackout_list, name="blackout_list"),
    path("nota/<int:note_pk>/", views.record_note, name="record_note"),
    path("valutazione/<int:assessment_pk>/", views.record_assessment, name="record_assessment"),
    path("<int:pk>/revoca/", views.lift, name="lift"),
    path("registro/", views.register, name="register"),
]
