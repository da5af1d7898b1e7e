import hashlib
import itertools

import factory
from django.contrib.auth import get_user_model

from reviewapp.models import ImportBatch, ImportStatus, Membership, Record, Review, SearchSource

_counter = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    slug = factory.Sequence(lambda n: f"review-{n}")
    title = factory.Sequence(lambda n: f"Review {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    review = factory.SubFactory(ReviewFactory)
    user = factory.SubFactory(UserFactory)
    is_reviewer = True


class SearchSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SearchSource

    review = factory.SubFactory(ReviewFactory)
    name = factory.Sequence(lambda n: f"Database {n}")


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    review = factory.SelfAttribute("source.review")
    source = factory.SubFactory(SearchSourceFactory)
    file_name = factory.Sequence(lambda n: f"export-{n}.ris")
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.file_name.encode()).hexdigest())
    status = ImportStatus.SUCCEEDED
    format = "ris"


class RecordFactory(factory.django.DjangoModelFactory):
    """A record as an import would leave it (use `batch=` to put several in one import)."""

    class Meta:
        model = Record

    batch = factory.SubFactory(ImportBatchFactory)
    review = factory.SelfAttribute("batch.review")
    source = factory.SelfAttribute("batch.source")
    position = factory.LazyFunction(lambda: next(_counter))
    source_key = factory.LazyAttribute(lambda o: f"K{o.position}")
    title = factory.Sequence(lambda n: f"Perinatal stem cells in diabetes, trial {n}")
    abstract = "Background: umbilical cord mesenchymal stromal cells in type 2 diabetes."
    authors = factory.LazyFunction(lambda: ["Smith, J.", "Doe, A."])
    year = 2021
    journal = "Stem Cell Res Ther"
    raw = factory.LazyAttribute(lambda o: f"TY  - JOUR\nTI  - {o.title}\nER  - ")
    sort_key = factory.LazyAttribute(
        lambda o: int(hashlib.sha1(str(o.position).encode()).hexdigest()[:12], 16)
    )
