"""Staff sign-in: the form behind /accounts/login/ (the view is Django's, wired in prepapp/urls.py)."""
