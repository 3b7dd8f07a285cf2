"""The appointments CSV: `selectors` (what an export holds, for whom, streamed), `views` and `urls` (the download
under /reports/export/); `manage.py export_appointments` writes the same bytes through `selectors`."""
