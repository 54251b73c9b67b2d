import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")
application = get_wsgi_application()

# Each worker loads the URLconf (every view module) now rather than on its first request, then moves
# everything loaded so far out of the garbage collector's sight: a full collection otherwise walks the
# whole of Django and the apps, 100 ms and more in the middle of an unlucky request (one in ten on the
# worklist, whose thousands of rows per look trigger it). Collections of what requests allocate are
# also made rarer; what a request leaves behind is mostly freed by reference counting anyway.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
