from django.urls import path

from intreccio.breakglass import views

app_name = "breakglass"
urlpatterns = [
    path("nuovo/", views.grant_request, name="grant_request"),
    path("miei/", views.my_grants, name="my_grants"),
    path("<int:pk>/termina/", views.grant_end, name="grant_end"),
    path("revisione/", views.review_queue, name="review_queue"),
    path("revisione/<int:pk>/", views.grant_review, name="grant_review"),
]
