"""gunicorn settings for hcr (used by `hcr serve`, or `gunicorn -c gunicorn.conf.py`).

Every setting has an HCR_ environment variable.
"""

import os

wsgi_app = "webapp:create_app()"
bind = os.environ.get("HCR_BIND", "127.0.0.1:8000")
# Inference is CPU work of a couple of milliseconds: one process per core does it in parallel,
# and a second thread per process keeps a slow phone upload from holding a whole worker.
workers = int(os.environ.get("HCR_WORKERS", os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("HCR_THREADS", 2))
# A gthread worker accepts every connection it can, busy or not, so one worker could take all
# 32 keep-alive clients of the benchmark while the other idled: 3 of 10 runs gave 450-560
# req/s (in the one measured, one worker used all the CPU), the others 740-840. Holding at
# most this many connections per worker leaves the rest in the listen queue for the other
# workers (not refused); with 16, 5 runs of 5 were balanced (750-840 req/s). Idle keep-alive
# connections beyond it are closed.
worker_connections = int(os.environ.get("HCR_WORKER_CONNECTIONS", 16))
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
