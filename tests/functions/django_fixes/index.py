# -*- coding: utf-8 -*-
"""A one-file Django project meeting each defect of jdcloud-wsgi-wrapper 1.3, served twice: `index.plain` is
wsgi_run(event, context, application), `index.fixed` is jdcloud_wsgi_fixes.wsgi_handler(application) (the test copies
the module from examples/jdcloud-wsgi-fixes into this folder, as a user would).

Views: GET /file (FileResponse of style.css, which the test puts beside this file: wsgi.file_wrapper), GET /logo.png
(a binary body), GET /query (request.GET as {key: [values]}), POST /upload (multipart/form-data: fields and files as
text).
"""
import base64
import os

from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))
settings.configure(DEBUG=False, SECRET_KEY="test-only-not-a-secret", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"],
                   MIDDLEWARE=[], INSTALLED_APPS=[], USE_TZ=True, FILE_UPLOAD_TEMP_DIR="/tmp")

import django  # noqa: E402

django.setup()

from django.conf.urls import url  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import FileResponse, HttpResponse, JsonResponse  # noqa: E402
from jdcloud_wsgi_fixes import fix_all, wsgi_handler  # noqa: E402
from jdcloud_wsgi_wrapper import wsgi_run  # noqa: E402

#: a 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJ"
                       "RU5ErkJggg==")


def file_view(request):
    return FileResponse(open(os.path.join(HERE, "style.css"), "rb"), content_type="text/css")


def logo(request):
    return HttpResponse(PNG, content_type="image/png")


def query(request):
    return JsonResponse(dict(request.GET.lists()))


def upload(request):
    files = dict((name, stored.read().decode("utf-8")) for name, stored in request.FILES.items())
    return JsonResponse({"fields": dict(request.POST.lists()), "files": files})


urlpatterns = [url(r"^file$", file_view), url(r"^logo\.png$", logo), url(r"^query$", query),
               url(r"^upload$", upload)]

application = get_wsgi_application()


def plain(event, context):
    return wsgi_run(event, context, application)


fixed = wsgi_handler(application)


def fixed_app(event, context):
    """The middlewares only (fix_all), without wsgi_handler's prepare_event."""
    return wsgi_run(event, context, fix_all(application))
