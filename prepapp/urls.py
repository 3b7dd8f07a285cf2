from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from prepapp.health import healthz
from procedures.accounts.forms import StaffAdminLoginForm, StaffLoginForm
from procedures.patient_page.urls import unsubscribe_urls

admin.site.site_header = "Ductogram preparation tracker"
admin.site.site_title = "Ductogram admin"
admin.site.index_title = "Clinic administration"
admin.site.login_form = StaffAdminLoginForm

# A page not found from a patient's link answers in the patient's language; no error page reads the form again.
handler400 = "prepapp.errors.bad_request"
handler403 = "prepapp.errors.permission_denied"
handler404 = "prepapp.errors.page_not_found"
handler500 = "prepapp.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Staff sign-in (django-axes locks out repeated failures); passwords are changed in the admin.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=StaffLoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The patient's page behind the private link in every reminder.
    path("p/", include("procedures.patient_page.urls")),
    # The one-click unsubscribe in every email's List-Unsubscribe header.
    path("u/", include(unsubscribe_urls)),
    # The email provider's delivery and complaint webhooks (django-anymail; reminders.webhooks records them).
    path("anymail/", include("anymail.urls")),
    # The FHIR R4 API for the hospital's systems: bearer tokens, JSON (procedures/fhir/).
    path("fhir/", include("procedures.fhir.urls")),
    # Every email and text sent, as the patient got it: development only (a 404 with DEBUG off).
    path("dev/outbox/", include("reminders.outbox.urls")),
    path("", include("reminders.urls")),
    path("", include("procedures.urls")),
]
