from tests.dns_server import local_dns  # noqa: F401
from tests.mail_fixtures import mail_settings, smtp_server  # noqa: F401
