"""gunicorn settings for Outreach: `gunicorn -c gunicorn.conf.py wsgi:app`.

The access log never records who made a request: no remote address (%(h)s), no user agent
(%(a)s), no referrer (%(f)s) and no query string, which can carry tokens. Only time, method,
path, status, size and duration. The error log names no client either (security.NoAddressInErrorLogFilter):
gunicorn writes the address of every malformed request there.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# A reverse proxy in front sets X-Forwarded-Proto; TRUSTED_PROXIES tells the app how far to trust it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Before any worker is forked: strip client addresses from the error log (the workers inherit it)."""
    import logging

    from outreach.security import NoAddressInErrorLogFilter

    logging.getLogger("gunicorn.error").addFilter(NoAddressInErrorLogFilter())


def post_worker_init(worker):
    """Each worker, once it has loaded the app, keeps its start-up objects out of garbage collection
    (outreach.heap): full collections then pause a request for milliseconds, not a tenth of a second."""
    from outreach.heap import freeze_startup_heap

    freeze_startup_heap()
