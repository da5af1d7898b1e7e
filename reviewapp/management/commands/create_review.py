from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from ...services.reviews import review_create
from ..base import ReviewCommand


class Command(ReviewCommand):
    help = "Create a review; --owner becomes its owner (and a reviewer)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")
        parser.add_argument("--title", required=True)
        parser.add_argument("--owner", help="Username of the owner (default: the first superuser)")
        parser.add_argument("--description", default="")

    def handle(self, *args, **options):
        User = get_user_model()
        if options["owner"]:
            owner = User.objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"No user '{options['owner']}'.")
        else:
            owner = User.objects.filter(is_superuser=True).order_by("pk").first()
            if owner is None:
                raise CommandError("Give --owner USER (no superuser exists to default to).")
        review = review_create(
            slug=options["slug"], title=options["title"], owner=owner, description=options["description"]
        )
        self.finish(
            options,
            {"slug": review.slug, "title": review.title, "owner": owner.username},
            f"Created review '{review.title}' ({review.slug}), owned by {owner.username}.",
        )
