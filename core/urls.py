"""The pages of accounts and organizations: signing in and up, passwords, invitations, members."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import accounts as views_accounts
from .views import home, profile, settings
from .views import invitations as views_invitations
from .views import members as views_members

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views_accounts.signup, name="signup"),
    path("orgs/new/", views_accounts.organization_new, name="organization-new"),
    path("invitations/<str:token>/", views_accounts.invitation_accept, name="invitation-accept"),
    path("invitations/<int:pk>/accept/", views_invitations.my_invitation_accept,
         name="my-invitation-accept"),
    path("invitations/<int:pk>/decline/", views_invitations.my_invitation_decline,
         name="my-invitation-decline"),
    path("o/<slug:slug>/leave/", views_members.member_leave, name="org-leave"),
    path("password/change/", views_accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views_accounts.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views_accounts.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views_accounts.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("o/<slug:slug>/settings/members/", views_members.members, name="org-members"),
    path("o/<slug:slug>/settings/members/invite/", views_members.invitation_create,
         name="org-invitation-create"),
    path("o/<slug:slug>/settings/members/<int:pk>/role/", views_members.member_role,
         name="org-member-role"),
    path("o/<slug:slug>/settings/members/<int:pk>/remove/", views_members.member_remove,
         name="org-member-remove"),
    path("o/<slug:slug>/settings/members/<int:pk>/transfer/", views_members.member_transfer,
         name="org-member-transfer"),
    path("o/<slug:slug>/settings/invitations/<int:pk>/resend/", views_members.invitation_resend,
         name="org-invitation-resend"),
    path("o/<slug:slug>/settings/invitations/<int:pk>/revoke/", views_members.invitation_revoke,
         name="org-invitation-revoke"),
    path("o/<slug:slug>/settings/", settings.org_settings, name="org-settings"),
    path("profile/", profile.profile, name="profile"),
    path("profile/digest/<slug:slug>/", profile.profile_digest, name="profile-digest"),
    path("profile/tokens/", profile.token_create, name="profile-token-create"),
    path("profile/tokens/<str:key>/revoke/", profile.token_revoke, name="profile-token-revoke"),
]
