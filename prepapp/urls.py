from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Ductogram preparation tracker"
admin.site.site_title = "Ductogram admin"
admin.site.index_title = "Clinic administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("reminders.urls")),
    path("", include("procedures.urls")),
]
