from django.urls import include, path

from departments.accounts import views as account_views
from departments.referrals import views as referral_views
from departments.returns import views
from departments.tokens import views as token_views

app_name = "departments"

urlpatterns = [
    path("returns/", views.my_returns, name="my-returns"),
    path("returns/<int:pk>/", views.return_detail, name="return-detail"),
    path("returns/<int:pk>/approve/", views.return_approve, name="return-approve"),
    path("returns/<int:pk>/send-back/", views.return_send_back, name="return-send-back"),
    path("returns/<int:pk>/reopen/", views.return_reopen, name="return-reopen"),
    path(
        "returns/enter/<int:indicator_id>/<str:period_key>/", views.return_edit, name="return-edit"
    ),
    path("periods/<str:period_key>/sign-off/", views.period_sign_off, name="period-sign-off"),
    path("imports/", include("departments.imports.urls")),
    path("referrals/", referral_views.referral_list, name="referrals"),
    path("referrals/new/", referral_views.referral_new, name="referral-new"),
    path(
        "referrals/<int:pk>/acknowledge/",
        referral_views.referral_acknowledge,
        name="referral-acknowledge",
    ),
    path("account/", account_views.account, name="account"),
    path(
        "account/sign-out-everywhere/",
        account_views.sign_out_everywhere,
        name="sign-out-everywhere",
    ),
    path("account/tokens/", token_views.token_list, name="api-tokens"),
    path("account/tokens/<int:pk>/revoke/", token_views.token_revoke, name="api-token-revoke"),
    path("referrals/<int:pk>/resolve/", referral_views.referral_resolve, name="referral-resolve"),
]
