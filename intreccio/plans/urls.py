from django.urls import URLPattern, path

from intreccio.plans import views

app_name = "plans"
urlpatterns: list[URLPattern] = [
    path("caso/<int:case_pk>/", views.case_panel, name="case_panel"),
    path("caso/<int:case_pk>/nuovo/", views.plan_new, name="plan_new"),
    path("verifiche/", views.due_checkins, name="due_checkins"),
    path("<int:pk>/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/confronto/", views.comparison_preview, name="comparison_preview"),
    path("<int:pk>/<str:kind>/aggiungi/", views.item_add, name="item_add"),
    path("<int:pk>/<str:kind>/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("<int:pk>/<str:kind>/<int:item_pk>/elimina/", views.item_remove, name="item_remove"),
    path("<int:pk>/scostamenti/<int:item_pk>/motivo/", views.deviation_explain, name="deviation_explain"),
    path("<int:pk>/interventi/<int:item_pk>/avvio/", views.intervention_start, name="intervention_start"),
    path("<int:pk>/invia/", views.plan_submit, name="plan_submit"),
    path("<int:pk>/validazione/", views.validation, name="validation"),
    path("<int:pk>/validazione/approva/", views.plan_validate, name="plan_validate"),
    path("<int:pk>/validazione/rinvia/", views.plan_send_back, name="plan_send_back"),
    path("<int:pk>/verifica/", views.checkin_new, name="checkin_new"),
    path("<int:pk>/patto.pdf", views.pact_pdf, name="pact_pdf"),
    path("budget/", views.budget, name="budget"),
]
