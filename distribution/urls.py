"""The portal: public archive, a unit's issues, issue pages, PDFs, 签收, a unit's 稿件 and accounts."""

from django.urls import path

from distribution import feeds, views

app_name = "distribution"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("issues/<int:pk>/", views.issue_detail, name="issue"),
    path("issues/<int:pk>/pdf/", views.issue_pdf, name="issue_pdf"),
    path("issues/<int:pk>/ofd/", views.issue_ofd, name="issue_ofd"),
    path("issues/<int:pk>/acknowledge/", views.issue_acknowledge, name="issue_acknowledge"),
    path("submissions/", views.submission_list, name="submissions"),
    path("submissions/new/", views.submission_new, name="submission_new"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/resubmit/", views.submission_resubmit, name="submission_resubmit"),
    path("feed/atom/", feeds.public_issues_feed, name="feed"),
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password-reset/", views.password_reset, name="password_reset"),
    path("accounts/password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("accounts/reset/done/", views.password_reset_complete, name="password_reset_complete"),
]
