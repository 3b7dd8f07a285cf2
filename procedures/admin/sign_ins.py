"""django-axes' sign-in records in the admin, as axes shows them, with the date hierarchy that never fails on the
dates stored (prepapp.admin_dates). Its admin registers first (axes comes before procedures in INSTALLED_APPS)."""

from django.contrib import admin

from prepapp.admin_dates import SafeDateHierarchy


def _with_safe_dates(site: admin.AdminSite) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        current = site._registry.get(model)
        if current is None or isinstance(current, SafeDateHierarchy):
            continue  # axes' admin switched off (AXES_ENABLE_ADMIN), or done already
        site.unregister(model)
        site.register(model, type(type(current).__name__, (SafeDateHierarchy, type(current)), {}))


_with_safe_dates(admin.site)
