"""gunicorn settings for hcr (used by `hcr serve`, or `gunicorn -c gunicorn.conf.py`).

Every setting has an HCR_ environment variable.
"""

import os

wsgi_app = "webapp:create_app()"
bind = os.environ.get("HCR_BIND", "127.0.0.1:8000")
# Inference is CPU work of a couple of milliseconds: one process per core does it in parallel,
# and a second thread per process keeps a slow phone upload from holding a whole worker. (At 32
# clients on 2 cores, 1, 2 and 4 threads per worker mostly gave 650-840 req/s, within the VM's
# spread; see benchmarks/HISTORY.md.)
workers = int(os.environ.get("HCR_WORKERS", os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("HCR_THREADS", 2))
timeout = int(os.environ.get("HCR_TIMEOUT", 30))
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then, so slow growth of any kind can never add up.
max_requests = int(os.environ.get("HCR_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10
# Logs to stdout, one access line per request (no bodies, so no image bytes).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("HCR_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# Reject oversized request lines and headers early.
limit_request_line = 8190
limit_request_fields = 100
