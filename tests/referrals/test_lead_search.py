"""A lead whose family is not registered yet is found by its subject's pinyin too (issue 18): every reading,
in full and by initials, kept on Lead.subject_pinyin by the lead writers (households/pinyin.py), within the
user's jurisdiction."""
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from households.pinyin import name_pinyin
from referrals import services
from referrals.models import Lead, LeadChannel
from referrals.models_feed import FeedLead
from referrals.services import LeadDraft
from tests.imports.helpers import xlsx_bytes

from .test_feed_leads import feed_batch, rows_of
from .test_hotline import HEADERS, _post_file, _recent, _row

pytestmark = pytest.mark.django_db


def _listed(client, q):
    response = client.get(reverse("referrals:lead_list"), {"q": q})
    assert response.status_code == 200
    return {lead.pk for lead in response.context["page"].object_list}


def _unlinked(demo, name, village=None, actor=None):
    return services.lead_create(actor=actor or demo.township1, channel=LeadChannel.VISIT, description="来访反映",
                                village=village or demo.village_b, subject_name=name)


@pytest.mark.parametrize("name,terms", [
    ("曾秀英", ["zengxiuying", "cengxiuying", "Zeng Xiuying", "zxy", "cxy", "xiuying"]),
    ("单立新", ["shanlixin", "danlixin", "sLX", "dlx"]),
    ("解桂兰", ["xieguilan", "jieguilan", "xgl", "jgl"]),
])
def test_a_lead_without_a_household_is_found_by_every_pinyin_of_its_subject(client, demo, name, terms):
    mine = _unlinked(demo, name)
    theirs = _unlinked(demo, name, village=demo.village_c, actor=demo.township2)
    _unlinked(demo, "李国强")
    client.force_login(demo.township1)
    for term in terms:
        assert _listed(client, term) == {mine.pk}, term
    client.force_login(demo.township2)
    assert _listed(client, terms[0]) == {theirs.pk}


def test_every_lead_writer_keeps_the_pinyin(client, demo):
    """lead_create (pages, patrols, demo), lead_create_many (policy matching), the hotline import and the
    department rows turned into leads all store the subject's readings."""
    one = _unlinked(demo, "曾秀英")
    many = services.lead_create_many(actor=demo.township1, leads=[
        LeadDraft(channel=LeadChannel.VISIT, description="批量", village_id=demo.village_a.pk, subject_name="单立新")])
    client.force_login(demo.township1)
    response = _post_file(client, xlsx_bytes(HEADERS, [_row("SH2001", _recent(), **{"来电人": "解桂兰"})]))
    client.post(reverse("referrals:hotline_import_confirm"), {"plan": response.context["checked"].token})
    hotline = Lead.objects.get(source_ref="SH2001")
    batch = feed_batch(demo.township1, rows_of(demo))
    services.feed_batch_to_leads(actor=demo.township1, batch=batch.pk)
    fed = Lead.objects.filter(pk__in=FeedLead.objects.values("lead_id"))
    assert fed.exists()
    for lead in [one, *many, hotline, *fed]:
        lead.refresh_from_db()
        assert lead.subject_name and lead.subject_pinyin == name_pinyin(lead.subject_name), lead.subject_name
    assert _listed(client, "jieguilan") == {hotline.pk}


def test_the_demo_leads_keep_the_pinyin(full_demo):
    named = Lead.objects.exclude(subject_name="")
    assert named.exists() and not named.filter(subject_pinyin="").exists()


def test_the_migration_fills_the_leads_already_registered(client, demo):
    lead = _unlinked(demo, "曾秀英")
    Lead.objects.update(subject_pinyin="")
    importlib.import_module("referrals.migrations.0013_lead_subject_pinyin").fill_pinyin(apps, None)
    lead.refresh_from_db()
    assert lead.subject_pinyin == name_pinyin("曾秀英")
    client.force_login(demo.township1)
    assert _listed(client, "cxy") == {lead.pk}
