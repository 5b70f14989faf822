"""Running leadq unattended: cron and user schedules, maintenance, monitoring, logs, Sentry."""
