"""Running leadq unattended: worker processes, schedules, maintenance, monitoring, Sentry, doctor checks.

Ops sits above every domain and below actors and the CLI: the supervisor runs
worker processes, ``runtime.setup_broker`` starts Sentry before a broker is
built, and ``doctor`` checks every service leadq talks to, the domains' too.
"""
