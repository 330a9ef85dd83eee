"""Error reports never show the FinerWorks keys or the secret key.

Django hides settings whose names look secret, but the technical 500 page (DEBUG) and error
e-mails also show every frame's local variables, including those of requests/urllib3 while
they hold the auth headers. Any local whose text contains a secret value is masked here.
"""

import re

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

# The password in a URL such as DATABASE_URL: scheme://user:PASSWORD@host
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^/\s]*@")  # to the last @ before the host


def _secrets() -> list[str]:
    values = (
        settings.FINERWORKS_WEB_API_KEY,
        settings.FINERWORKS_APP_KEY,
        settings.SECRET_KEY,
        *(db.get("PASSWORD") for db in settings.DATABASES.values()),
    )
    return [v for v in values if v and len(v) >= 8]


class SecretRedactingFilter(SafeExceptionReporterFilter):
    def cleanse_setting(self, key, value):
        """Settings and request.META (which holds the environment under runserver and
        some servers): a URL's password is masked, whatever the name it is under."""
        value = super().cleanse_setting(key, value)
        if isinstance(value, str) and "://" in value:
            value = _URL_PASSWORD.sub(rf"\1{self.cleansed_substitute}@", value)
        return value

    def get_traceback_frame_variables(self, request, tb_frame):
        secrets = _secrets()
        variables = super().get_traceback_frame_variables(request, tb_frame)
        cleaned = []
        for name, value in variables:
            try:
                text = repr(value)
            except Exception:  # an object that cannot describe itself is not shown either
                text = ""
                value = self.cleansed_substitute
            if any(secret in text for secret in secrets):
                value = self.cleansed_substitute
            cleaned.append((name, value))
        return cleaned

    def is_active(self, request):
        return True  # mask even with DEBUG on: the dev page is often screen-shared
