import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Every worker loads the application once and keeps it: its objects are frozen out of the
# garbage collector's full collections (core/long_lived.py).
from core.long_lived import freeze_long_lived  # noqa: E402 - Django must be set up first

freeze_long_lived()
