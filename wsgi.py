"""The only entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from config import config_from_env
from outreach import create_app
from outreach.errors import ConfigError

try:
    app = create_app(config_from_env())
except (ConfigError, ValueError) as exc:
    sys.exit(f"outreach: cannot start: {exc}")
