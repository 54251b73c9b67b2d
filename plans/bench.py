"""Benchmark of the policy match (政策找人) over the seeded households (`make bench`, after households).

Prints the time and SQL query count of a full match run over every household: the first run, which
records the matches and opens one lead per newly matched household, a batch of 1,000 at a time through
referrals.lead_create_many (a fixed number of queries per batch),
and a second run, which finds nothing new (idempotent) and shows the cost of the set-based evaluation
alone. Candidate households come out of one query per policy, condition group and batch of 1,000;
no query is made per household examined.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from django.db import connection


@contextmanager
def _count_queries():
    """Count queries, and separately those made while opening leads (referrals.lead_create_many)."""
    from . import services

    counter = {"n": 0, "lead": 0, "in_lead": False}
    original = services._open_leads

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        counter["lead"] += int(counter["in_lead"])
        return execute(sql, params, many, context)

    def open_leads(*args, **kwargs):
        counter["in_lead"] = True
        try:
            return original(*args, **kwargs)
        finally:
            counter["in_lead"] = False

    services._open_leads = open_leads
    try:
        with connection.execute_wrapper(wrapper):
            yield counter
    finally:
        services._open_leads = original


def run(out, households: int = 100_000) -> None:
    from households.models import Household

    from .demo import load
    from .models import Policy, PolicyMatch
    from .services import policy_match_run

    load()
    total = Household.objects.count()
    out.write(f"plans_households: {total} households")
    out.write(f"plans_policies: {Policy.objects.filter(is_active=True, opens_leads=True).count()} policies")
    for label in ("first", "repeat"):
        before = PolicyMatch.objects.count()
        with _count_queries() as queries:
            started = time.perf_counter()
            stats = policy_match_run()
            seconds = time.perf_counter() - started
        out.write(f"plans_match_{label}_time: {seconds:.1f} s")
        out.write(f"plans_match_{label}_queries: {queries['n']} queries")
        out.write(f"plans_match_{label}_matched: {PolicyMatch.objects.count() - before} households")
        out.write(f"plans_match_{label}_leads_opened: {stats.leads_opened} leads")
        out.write(f"plans_match_{label}_queries_opening_leads: {queries['lead']} queries")
        out.write(f"plans_match_{label}_queries_matching: {queries['n'] - queries['lead']} queries")
