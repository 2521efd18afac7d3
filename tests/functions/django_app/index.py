"""A one-file Django project behind jdcloud_wsgi_wrapper.wsgi_run (jdcloud, JD API Gateway events).

Views: GET /hello?name=, POST /form, POST /json, GET /items/<item_id>, GET /cookies (as flask_app). `handler` runs
the app as JD's seed 004 shows; `handler_bytes_input` first turns the wrapper's `wsgi.input` into UTF-8 bytes, the
workaround for jdcloud-wsgi-wrapper 1.3, which hands Django text it cannot read (an io.StringIO on 3.x; on 2.7 a
StringIO of the JSON-decoded unicode body): without it every POST body gives 500.
"""
import io
import json

from django.conf import settings

settings.configure(DEBUG=False, SECRET_KEY="test-only-not-a-secret", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"],
                   MIDDLEWARE=[], INSTALLED_APPS=[], USE_TZ=True)

import django  # noqa: E402

django.setup()

from django.conf.urls import url  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from jdcloud_wsgi_wrapper import wsgi_run  # noqa: E402


def hello(request):
    pairs = sorted(request.GET.lists())
    return HttpResponse("Hello, %s! args=%s" % (request.GET.get("name", "nobody"), json.dumps(pairs)))


def form(request):
    return JsonResponse({"form": dict(request.POST.lists()), "method": request.method})


def post_json(request):
    return JsonResponse({"received": json.loads(request.body.decode("utf-8"))})


def item(request, item_id):
    return JsonResponse({"item_id": item_id, "header": request.META.get("HTTP_ITEM_ID")})


def cookies(request):
    response = HttpResponse("two cookies")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


urlpatterns = [url(r"^hello$", hello), url(r"^form$", form), url(r"^json$", post_json),
               url(r"^items/(?P<item_id>[^/]+)$", item), url(r"^cookies$", cookies)]

application = get_wsgi_application()


def bytes_input(app):
    """WSGI middleware: re-read a text wsgi.input as UTF-8 bytes (PEP 3333 wants bytes)."""
    def wrapped(environ, start_response):
        data = environ["wsgi.input"].read()
        if not isinstance(data, bytes):
            data = data.encode("utf-8")
        environ["wsgi.input"] = io.BytesIO(data)
        return app(environ, start_response)
    return wrapped


def handler(event, context):
    return wsgi_run(event, context, application)


def handler_bytes_input(event, context):
    return wsgi_run(event, context, bytes_input(application))
