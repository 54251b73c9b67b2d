"""Benchmark of the policy match (政策找人) over the seeded households (`make bench`, after households).

Prints the time and SQL query count of a full match run over every household: the first run, which
records the matches and opens one lead per newly matched household, a batch of 1,000 at a time
(the leads in one INSERT … SELECT through referrals.lead_create_for_households, the matches naming them
in another: a fixed number of queries per batch), and a second run, which finds nothing new
(idempotent) and shows the cost of the set-based evaluation alone. Candidate households come out of one
query per policy, condition group and batch of 1,000; no query is made per household examined. The time
and queries spent opening leads are printed apart from the rest.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from django.db import connection


@contextmanager
def _count_queries():
    """Count queries, and separately the queries and time spent opening leads (plans.services._open_leads)."""
    from . import services

    counter = {"n": 0, "lead": 0, "lead_seconds": 0.0, "in_lead": False}
    originals = {name: getattr(services, name) for name in ("_open_leads",)}

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        counter["lead"] += int(counter["in_lead"])
        return execute(sql, params, many, context)

    def timed(original):
        def call(*args, **kwargs):
            counter["in_lead"] = True
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                counter["lead_seconds"] += time.perf_counter() - started
                counter["in_lead"] = False
        return call

    for name, original in originals.items():
        setattr(services, name, timed(original))
    try:
        with connection.execute_wrapper(wrapper):
            yield counter
    finally:
        for name, original in originals.items():
            setattr(services, name, original)


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
        out.write(f"plans_match_{label}_time_opening_leads: {queries['lead_seconds']:.1f} s")
        out.write(f"plans_match_{label}_queries: {queries['n']} queries")
        out.write(f"plans_match_{label}_matched: {PolicyMatch.objects.count() - before} households")
        out.write(f"plans_match_{label}_leads_opened: {stats.leads_opened} leads")
        out.write(f"plans_match_{label}_queries_opening_leads: {queries['lead']} queries")
        out.write(f"plans_match_{label}_queries_matching: {queries['n'] - queries['lead']} queries")
