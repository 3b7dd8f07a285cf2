from django.conf import settings


def clinic(request):
    """The clinic's name and contact details, for every page."""
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_phone": settings.CLINIC_PHONE,
    }
