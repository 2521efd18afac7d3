# -*- coding: utf-8 -*-
"""A one-file Django project serving the real admin site behind jdcloud_wsgi_wrapper.wsgi_run with the fixes of
examples/jdcloud-wsgi-fixes (which the test copies beside this file, as a user would).

The database is the sqlite file named by DJANGO_ADMIN_DATABASE; at import, when it does not exist yet, `migrate`
runs and the superuser `admin` (password `admin-password`) is created. Static files (/static/admin/...) are served
by django.contrib.staticfiles' view, through FileResponse (the file_wrapper fix). JD's answer carries one
Set-Cookie only: the login's answer sets `csrftoken` then `sessionid`, and the last one, the session, is kept.
"""
import os

from django.conf import settings

settings.configure(
    DEBUG=False, SECRET_KEY="test-only-not-a-secret", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"], USE_TZ=True,
    INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
                    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.common.CommonMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
                "django.contrib.messages.middleware.MessageMiddleware"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                   "django.contrib.auth.context_processors.auth",
                                                   "django.contrib.messages.context_processors.messages"]}}],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DJANGO_ADMIN_DATABASE"]}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField", STATIC_URL="/static/")

import django  # noqa: E402

django.setup()

from django.conf.urls import url  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.contrib.staticfiles.views import serve  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from jdcloud_wsgi_fixes import wsgi_handler  # noqa: E402

urlpatterns = [url(r"^admin/", admin.site.urls), url(r"^static/(?P<path>.*)$", serve, {"insecure": True})]

if not os.path.exists(settings.DATABASES["default"]["NAME"]):
    call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth.models import User
    User.objects.create_superuser("admin", "admin@example.com", "admin-password")

handler = wsgi_handler(get_wsgi_application())
