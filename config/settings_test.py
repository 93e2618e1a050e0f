"""Test overrides: fast hashing, in-memory mail, the same security settings as production."""

import tempfile

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
INTRECCIO_DEMO_MFA_EXEMPT = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Uploads waiting for confirmation go to a scratch folder, never into the working tree's var/.
INTRECCIO_IMPORT_DIR = tempfile.mkdtemp(prefix="intreccio-test-imports-")
