"""Referral pages, included at /referrals/ inside the ``departments`` namespace."""

from django.urls import path

from departments.referrals import views

# No app_name here: departments/urls.py includes this module, so the names below live in
# the ``departments`` namespace ("departments:referrals").
urlpatterns = [
    path("", views.referral_list, name="referrals"),
    path("new/", views.referral_new, name="referral-new"),
    path("<int:pk>/acknowledge/", views.referral_acknowledge, name="referral-acknowledge"),
    path("<int:pk>/resolve/", views.referral_resolve, name="referral-resolve"),
]
