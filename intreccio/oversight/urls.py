from django.urls import path

from intreccio.oversight import views

app_name = "oversight"
urlpatterns = [
    path("registro/", views.register_page, name="register"),
    path("registro.pdf", views.register_pdf, name="register_pdf"),
    path("registro.csv", views.register_csv, name="register_csv"),
    path("dpia/", views.dpia_page, name="dpia"),
    path("dpia.csv", views.dpia_csv, name="dpia_csv"),
    path("accessi-insoliti/", views.review_page, name="review"),
    path("titolare/", views.controller_edit, name="controller"),
]
