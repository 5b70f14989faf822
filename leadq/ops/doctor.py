"""Health checks behind `leadq doctor`: is everything leadq talks to there and sane?

Every check lives here, the domains' too (SMTP, IMAP, Lighthouse, ffmpeg,
espeak-ng, the model server): ops sits above the domain toolkits, so it asks
them; they never import a doctor.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass

import redis

from leadq import db
from leadq.errors import LeadqError
from leadq.redact import mask_url
from leadq.settings import DEFAULT_REDIS_URL, Settings


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str

    def asdict(self) -> dict[str, str]:
        return asdict(self)


def check_redis(settings: Settings) -> Check:
    if not settings.uses_redis:
        return Check("redis", "skip", "embedded mode (LEADQ_REDIS_URL not set): jobs run in-process")
    url = mask_url(settings.redis_url or DEFAULT_REDIS_URL)
    try:
        client = _redis_client(settings)
        info = client.info("server")
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy", "unknown")
    except redis.exceptions.ResponseError:
        # Managed Redis often forbids CONFIG; the server still answered.
        return Check(
            "redis", "warn", f"{url}: reachable, but CONFIG GET is not allowed: check maxmemory-policy"
        )
    except redis.exceptions.RedisError as exc:
        return Check("redis", "fail", f"{url}: {exc}")
    version = info.get("redis_version", "?")
    if policy != "noeviction":
        return Check(
            "redis",
            "fail",
            f"{url}: Redis {version} with maxmemory-policy {policy}: Redis may EVICT queued jobs and lose "
            "them silently. Set `maxmemory-policy noeviction`.",
        )
    return Check("redis", "ok", f"{url}: Redis {version}, maxmemory-policy noeviction")


def check_database(settings: Settings) -> Check:
    url = mask_url(settings.effective_database_url)
    try:
        pending = db.pending_migrations(settings)
    except Exception as exc:  # any driver error means "not usable"; say which
        return Check("database", "fail", f"{url}: {type(exc).__name__}: {exc}")
    if pending:
        return Check(
            "database", "warn", f"{url}: migrations pending ({', '.join(pending)}): run `leadq db upgrade`"
        )
    return Check("database", "ok", f"{url}: reachable and migrated")


def _version_of(path: str) -> str | None:
    if not shutil.which(path):
        return None
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or done.stderr.strip() or None


def check_chromium(settings: Settings) -> Check:
    version = _version_of(settings.chromium_path)
    if version is None:
        return Check(
            "chromium", "fail", f"{settings.chromium_path} not found: `sudo apt-get install chromium`"
        )
    return Check("chromium", "ok", version)


def check_chromedriver(settings: Settings) -> Check:
    version = _version_of(settings.chromedriver_path)
    if version is None:
        return Check(
            "chromedriver",
            "fail",
            f"{settings.chromedriver_path} not found: `sudo apt-get install chromium-driver`",
        )
    return Check("chromedriver", "ok", version)


def check_lighthouse(settings: Settings) -> Check:
    """Optional: the `lighthouse` audit engine needs the Lighthouse CLI."""
    from leadq.pagespeed.lighthouse import lighthouse_available

    version = lighthouse_available(settings)
    if version is None:
        return Check("lighthouse", "skip", "Lighthouse CLI not found (optional: `npm install -g lighthouse`)")
    return Check("lighthouse", "ok", f"Lighthouse {version}")


#: Seconds this host's clock may differ from Redis's before doctor warns.
MAX_CLOCK_OFFSET = 1.0


def _redis_client(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url or DEFAULT_REDIS_URL, socket_timeout=3)


def check_clock(settings: Settings) -> Check:
    """Heartbeats carry each host's clock and are judged by another's: clocks must agree."""
    from leadq.core.hosts import clock_offset

    if not settings.uses_redis:
        return Check("clock", "skip", "embedded mode: no other host to agree with")
    try:
        offset = clock_offset(_redis_client(settings))
    except redis.exceptions.RedisError as exc:
        return Check("clock", "skip", f"cannot read Redis TIME: {exc}")
    if abs(offset.seconds) - offset.uncertainty > MAX_CLOCK_OFFSET:
        direction = "behind" if offset.seconds > 0 else "ahead of"
        return Check(
            "clock",
            "warn",
            f"this host's clock is {abs(offset.seconds):.1f} s {direction} Redis's: worker heartbeats are "
            "compared across hosts, so a live worker's jobs may run twice. Sync clocks (chrony, "
            "systemd-timesyncd) on every machine.",
        )
    return Check("clock", "ok", f"within {abs(offset.seconds):.3f} s of Redis's clock")


def check_hosts(settings: Settings) -> Check:
    """Workers on several hosts need one shared database, not each host's own SQLite."""
    from leadq.core.hosts import this_host, worker_hosts

    if not settings.uses_redis:
        return Check("hosts", "skip", "embedded mode: workers run in this process")
    try:
        hosts = worker_hosts(_redis_client(settings), settings)
    except redis.exceptions.RedisError as exc:
        return Check("hosts", "skip", f"cannot read worker heartbeats: {exc}")
    me = this_host(settings)
    listed = ", ".join(sorted(hosts)) or "none"
    others = hosts - {me}
    if others and settings.effective_database_url.startswith("sqlite"):
        return Check(
            "hosts",
            "warn",
            f"workers on other hosts ({', '.join(sorted(others))}) share this Redis, but this host ({me}) "
            "keeps jobs and leads in its own SQLite: each host sees only its own. Point LEADQ_DATABASE_URL "
            "at the shared PostgreSQL on every host.",
        )
    return Check("hosts", "ok", f"this host: {me}; hosts with live workers: {listed}")


#: Hosts in a User-Agent's contact that reach nobody: RFC 2606/6761 reserved names.
PLACEHOLDER_HOST_RE = re.compile(
    r"(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$", re.IGNORECASE
)
#: The hosts of the URLs and email addresses in a User-Agent (its contact).
CONTACT_HOST_RE = re.compile(r"(?:https?://|@)([a-z0-9.-]+)", re.IGNORECASE)


def check_user_agent(settings: Settings) -> Check:
    """Warns while the User-Agent's contact is the shipped placeholder or missing.

    Site owners who see leadq in their logs use that contact to ask it to slow
    down or stop; a placeholder gets their robots.txt changed or the IP blocked instead.
    """
    hosts = [host.rstrip(".") for host in CONTACT_HOST_RE.findall(settings.user_agent)]
    placeholders = [host for host in hosts if PLACEHOLDER_HOST_RE.search(host)]
    if placeholders or not hosts:
        reason = f"placeholder contact {placeholders[0]}" if placeholders else "no contact URL or email"
        return Check(
            "user-agent",
            "warn",
            f"LEADQ_USER_AGENT has {reason}: set it to name a URL or email where site owners reach you",
        )
    return Check("user-agent", "ok", f"contact: {', '.join(hosts)}")


def check_smtp(settings: Settings) -> Check:
    """Can leadq connect, negotiate TLS and log in? Skipped when no SMTP server is configured."""
    from leadq.mail.smtp import SmtpTransport

    if not settings.smtp_host:
        return Check("smtp", "skip", "LEADQ_SMTP_HOST not set: email cannot be sent")
    where = f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_tls})"
    try:
        server = SmtpTransport(settings).probe()
    except LeadqError as exc:
        return Check("smtp", "fail", f"{where}: {exc}")
    return Check("smtp", "ok", f"{where}: {server}")


def check_imap(settings: Settings) -> Check:
    """ok with the folder's size, fail with the reason, skip when no IMAP server is configured."""
    from leadq.inbox.imap import check_login

    if not settings.imap_host:
        return Check("imap", "skip", "LEADQ_IMAP_HOST not set: replies and bounces are not read")
    where = f"{settings.imap_host}:{settings.imap_port} ({settings.imap_tls})"
    try:
        return Check("imap", "ok", f"{where}: {check_login(settings)}")
    except LeadqError as exc:
        return Check("imap", "fail", f"{where}: {exc}")


def _program_check(name: str, package: str, version_flag: str) -> Check:
    path = shutil.which(name)
    if path is None:
        return Check(name, "warn", f"not found: `demo build --video` needs `sudo apt-get install {package}`")
    try:
        done = subprocess.run([path, version_flag], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check(name, "fail", f"{path} does not run: {exc}")
    first = (done.stdout.strip() or done.stderr.strip() or path).splitlines()[0]
    return Check(name, "ok", first)


def check_ffmpeg(settings: Settings) -> Check:
    """ffmpeg composes demo videos (optional: only `demo build --video` needs it)."""
    return _program_check("ffmpeg", "ffmpeg", "-version")


def check_espeak(settings: Settings) -> Check:
    """espeak-ng speaks demo voiceovers (optional: only `demo build --video` needs it)."""
    return _program_check("espeak-ng", "espeak-ng", "--version")


def check_ai(settings: Settings) -> Check:
    """skip for the rules engine; ok when the server lists the model, warn when it does not list it
    (some gateways list only a few), fail when it cannot be reached or refuses the key."""
    if settings.ai_engine != "openai":
        return Check("ai", "skip", "rules engine (LEADQ_AI_ENGINE=rules): no model server needed")
    from leadq.ai.llm import list_models

    where = f"{mask_url(settings.ai_base_url)} ({settings.ai_model})"
    try:
        models = list_models(settings)
    except LeadqError as exc:
        return Check("ai", "fail", str(exc))
    if settings.ai_model not in models:
        listed = ", ".join(models[:5]) or "none"
        return Check("ai", "warn", f"{where}: reachable, but it does not list the model (it lists: {listed})")
    return Check("ai", "ok", f"{where}: reachable, model available")


def all_checks() -> list[Callable[[Settings], Check]]:
    """Core checks, then each domain's."""
    return [
        check_redis,
        check_database,
        check_chromium,
        check_chromedriver,
        check_smtp,
        check_imap,
        check_lighthouse,
        check_ffmpeg,
        check_espeak,
        check_ai,
        check_clock,
        check_hosts,
        check_user_agent,
    ]


def run_checks(settings: Settings) -> list[Check]:
    return [check(settings) for check in all_checks()]
