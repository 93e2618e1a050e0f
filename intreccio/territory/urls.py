from django.urls import path

from intreccio.territory import views

app_name = "territory"
urlpatterns = [
    path("ambiti/", views.ambito_list, name="ambito_list"),
    path("ambiti/<int:pk>/", views.ambito_detail, name="ambito_detail"),
]
