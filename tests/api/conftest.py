import pytest
from rest_framework.authtoken.models import Token

from reviewapp.models import Membership

from ..factories import RecordFactory, UserFactory


@pytest.fixture
def api_data(db, review):
    user = UserFactory(username="contract")
    Membership.objects.create(review=review, user=user, is_owner=True, is_reviewer=True, is_arbiter=True)
    for _ in range(3):
        RecordFactory(batch__source__review=review)
    return {"slug": review.slug, "token": Token.objects.create(user=user).key}
