"""Helpers of the risk-of-bias app tests: the seed's studies, and Table 3 entered through the services."""

from extraction.rob import services
from reviewapp.models import Study

from .rob_seed import seed_table3, split_cell

SEED_DOMAINS = ["d1", "d2", "d3", "d4", "d5", "d6", "d7"]  # the seed's rows, in ROBINS-I order
CHIN_REASON = "Retrospective registry analysis without a protocol; 12-month outcomes for a subset only."


def seed_studies(review) -> list[Study]:
    """One study per Table 3 column, labelled as the seed's header names it."""
    return [Study.objects.create(review=review, label=label) for label in seed_table3()[0][1:]]


def enter_table3(review, actor, studies, *, choice="serious", submit=True) -> list:
    """Each study's column of Table 3 as `actor`'s ROBINS-I assessment (Moderate/serious -> `choice`)."""
    table = seed_table3()
    done = []
    for study in studies:
        col = table[0].index(study.label)
        a = services.assessment_start(review=review, actor=actor, study_id=study.pk, tool="robins_i")
        judgements = {}
        for domain, row in zip(SEED_DOMAINS, table[1:-1]):
            level, support = split_cell(row[col])
            entry = {"judgement": level, "support": support}
            if "/" in level:
                entry.update(choice=choice, reason=CHIN_REASON)
            judgements[domain] = entry
        a = services.assessment_save(review=review, actor=actor, assessment_id=a.pk, judgements=judgements)
        if submit:
            a = services.assessment_submit(review=review, actor=actor, assessment_id=a.pk)
        done.append(a)
    return done
