from django.urls import include, path

urlpatterns = [
    path("", include("intreccio.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("intreccio.accounts.auth_urls")),
    path("account/", include("allauth.urls")),
    path("admin/accounts/", include("intreccio.accounts.urls")),
    path("territory/", include("intreccio.territory.urls")),
    path("persone/", include("intreccio.people.urls")),
    path("accessi/", include("intreccio.access.urls")),
    path("casi/", include("intreccio.cases.urls")),
    path("progetti/", include("intreccio.plans.urls")),
    path("catalogo/", include("intreccio.catalogue.urls")),
    path("audit/", include("intreccio.audit.urls")),
    path("valutazioni/", include("intreccio.assessments.urls")),
    path("incontri/", include("intreccio.meetings.urls")),
    path("invii/", include("intreccio.referrals.urls")),
    path("emergenza/", include("intreccio.breakglass.urls")),
    path("oscuramenti/", include("intreccio.blackout.urls")),
    path("diritti/", include("intreccio.rights.urls")),
    path("conservazione/", include("intreccio.retention.urls")),
    path("privacy/", include("intreccio.oversight.urls")),
    path("storico/", include("intreccio.history.urls")),
]

handler403 = "intreccio.core.views.error_403"
handler404 = "intreccio.core.views.error_404"
handler500 = "intreccio.core.views.error_500"
