from intreccio.people.views import households, persons

app_name = "people"
urlpatterns = persons.urlpatterns + households.urlpatterns
