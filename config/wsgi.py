import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: keep
# it out of the cyclic collector's full passes, which otherwise stop a request for tens of
# milliseconds now and then (Python docs, gc.freeze).
gc.collect()
gc.freeze()
