"""gunicorn settings. Each can be overridden on the command line or with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("WELLAWARE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WELLAWARE_WORKERS", max(2, multiprocessing.cpu_count())))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
# Recycle workers now and then; not often, as a new worker starts with nothing remembered about the index.
max_requests = 20000
max_requests_jitter = 2000
# The access log keeps the path but never the query string, so no search terms sit next to an IP address.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'
# Behind a reverse proxy that terminates HTTPS, trust its X-Forwarded-* headers from loopback only.
forwarded_allow_ips = os.environ.get("WELLAWARE_FORWARDED_ALLOW_IPS", "127.0.0.1")
