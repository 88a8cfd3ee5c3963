"""`luoshi token <username>`: issue an API token and print its key (shown once)."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from luoshi.org.tokens import issue_token


class Command(BaseCommand):
    help = "Issue an API token for a user and print its key. The key is not stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        token, key = issue_token(user, name)
        self.stdout.write(key)
        self.stderr.write(
            f"Token {token.prefix}… for {user.username}. Send it as "
            f"'Authorization: Bearer <key>'; it is not shown again."
        )
