from django.urls import URLPattern, path

from intreccio.referrals import views

app_name = "referrals"
urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="inbox"),
    path("casi/<int:case_pk>/", views.case_referrals, name="case_referrals"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/accetta/", views.referral_accept, name="referral_accept"),
    path("<int:pk>/rifiuta/", views.referral_reject, name="referral_reject"),
    path("<int:pk>/concludi/", views.referral_complete, name="referral_complete"),
    path("<int:pk>/ritira/", views.referral_withdraw, name="referral_withdraw"),
]
