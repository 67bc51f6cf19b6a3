"""The portal: public archive, recipients' issues, PDFs and receipts."""

from django.urls import path

from distribution import views

app_name = "distribution"
urlpatterns = [
    path("", views.home, name="home"),
    path("issues/<int:pk>/", views.issue_detail, name="issue"),
    path("issues/<int:pk>/pdf/", views.issue_pdf, name="issue_pdf"),
]
