from django.urls import URLPattern, path

from intreccio.catalogue import views

app_name = "catalogue"
urlpatterns: list[URLPattern] = [
    path("servizi/", views.service_list, name="service_list"),
    path("servizi/nuovo/", views.service_create, name="service_create"),
    path("servizi/<int:pk>/modifica/", views.service_update, name="service_update"),
    path("pacchetti/", views.package_list, name="package_list"),
    path("pacchetti/nuovo/", views.package_create, name="package_create"),
    path("pacchetti/<int:pk>/", views.package_detail, name="package_detail"),
    path("pacchetti/<int:pk>/modifica/", views.package_update, name="package_update"),
    path("pacchetti/<int:pk>/voci/aggiungi/", views.package_item_add, name="package_item_add"),
    path("pacchetti/<int:pk>/voci/<int:item_pk>/rimuovi/", views.package_item_remove, name="package_item_remove"),
    path("pacchetti/<int:pk>/approva/", views.package_approve, name="package_approve"),
    path("pacchetti/<int:pk>/ritira/", views.package_retire, name="package_retire"),
    path("pacchetti/<int:pk>/nuova-versione/", views.package_new_version, name="package_new_version"),
]
