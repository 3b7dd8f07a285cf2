"""Included by `procedures.urls` at reports/, so the names stay `procedures:reports`, `procedures:report-chart` and
`procedures:report-csv`. reports/export/ belongs to the exports (not defined here)."""

from django.urls import path

from .views import chart_csv, chart_svg, reports

urlpatterns = [
    path("", reports, name="reports"),
    path("charts/<slug:slug>.svg", chart_svg, name="report-chart"),
    path("data/<slug:slug>.csv", chart_csv, name="report-csv"),
]
