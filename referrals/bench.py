"""This app's pages in the HTTP benchmark (settings.RELIEF_BENCH_HTTP_PAGES, relief/bench_http.py)."""
from __future__ import annotations

from django.urls import reverse

from relief.benchmarking import HttpPage


def http_pages() -> list[HttpPage]:
    return [
        HttpPage("lead_list_township", "township1", reverse("referrals:lead_list")),
        HttpPage("referral_list_township", "township1", reverse("referrals:list")),
    ]
