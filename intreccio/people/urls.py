from intreccio.people.views import households, measures, persons

app_name = "people"
urlpatterns = persons.urlpatterns + households.urlpatterns + measures.urlpatterns
