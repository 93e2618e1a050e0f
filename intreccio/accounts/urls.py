"""The ambito administrator's pages, mounted at /admin/accounts/."""

from django.urls import path

from intreccio.accounts import admin_views as views

app_name = "accounts"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_update, name="organisation_update"),
    path("organisations/<int:pk>/deactivate/", views.organisation_deactivate, name="organisation_deactivate"),
    path("organisations/<int:organisation_pk>/structures/new/", views.structure_create, name="structure_create"),
    path("structures/<int:pk>/edit/", views.structure_update, name="structure_update"),
    path("structures/<int:pk>/deactivate/", views.structure_deactivate, name="structure_deactivate"),
    path("operators/", views.operator_list, name="operator_list"),
    path("operators/new/", views.operator_create, name="operator_create"),
    path("operators/<int:pk>/", views.operator_detail, name="operator_detail"),
    path("operators/<int:pk>/edit/", views.operator_update, name="operator_update"),
    path("operators/<int:pk>/deactivate/", views.operator_deactivate, name="operator_deactivate"),
    path("operators/<int:pk>/reset-mfa/", views.operator_reset_mfa, name="operator_reset_mfa"),
    path("operators/<int:operator_pk>/memberships/new/", views.membership_add, name="membership_add"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/members/add/", views.team_member_add, name="team_member_add"),
    path("teams/<int:pk>/members/<int:member_pk>/remove/", views.team_member_remove, name="team_member_remove"),
]
