"""What browsers may do on our pages: the Content-Security-Policy (django-csp) and the Permissions-Policy header
(prepapp/middleware.py). Plain data, read by the settings."""

from csp.constants import NONE, SELF

# django-csp: scripts and styles only from our own static files (no inline code, no inline style attributes), no
# plugins, no framing, forms posting only here. Bootstrap's CSS draws its icons from data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Browser features no page here uses, switched off for every page (prepapp/middleware.py writes the header).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
