"""Objects outside the test users' jurisdiction (township 2 / village C) for every ledgers URL with arguments."""
import datetime as dt

from django.utils import timezone


def _export(demo):
    from ledgers.models import ExportStatus, LedgerExport

    job = LedgerExport.objects.create(requester=demo.township2, kind="roster", jurisdiction=demo.village_c.parent,
                                      params={}, status=ExportStatus.DONE,
                                      expires_at=timezone.now() + dt.timedelta(hours=1))
    return {"pk": job.pk}


def _snapshot(demo):
    from ledgers.services import snapshot_create

    snapshot = snapshot_create(township=demo.village_c.parent, month=dt.date(2024, 1, 1))
    return {"pk": snapshot.pk}


def _draw(demo):
    from ledgers.models import SamplingDraw

    draw = SamplingDraw.objects.create(district=demo.district, year=2024, quarter=1, size_mode="count",
                                       size_value=1, seed="x", population_ids=[])
    return draw


def _item(demo):
    from ledgers.models import SampleItem

    from tests.households.factories import make_household

    from .factories import give_assistance

    household = make_household(demo.village_c)
    record = give_assistance(household, start=dt.date(2024, 1, 5))
    item = SampleItem.objects.create(draw=_draw(demo), assistance=record, household=household,
                                     village=demo.village_c, township=demo.village_c.parent,
                                     assistance_type="dibao", start_date=record.start_date)
    return {"pk": item.pk}


def _inspection(demo):
    from ledgers.services import inspection_record

    return inspection_record(actor=demo.township2, village=demo.village_c, inspected_on=dt.date(2024, 3, 1),
                             inspectors="王科长", corrections=[("补齐走访台账", dt.date(2024, 4, 1))])


def _township2_plan(demo):
    """Township 2's own plan for its villages: outside township 1 and every caseworker."""
    from ledgers.services import assessment_plan_save

    return assessment_plan_save(actor=demo.township2, owner=demo.village_c.parent, year=2024)


def _district_plan(demo):
    from ledgers.services import assessment_plan_save

    return assessment_plan_save(actor=demo.district_official, owner=demo.district, year=2024, roster_due=dt.date(
        2024, 11, 12))


def _roster_filing(demo):
    from ledgers.services import roster_file

    filing = roster_file(actor=demo.township2, plan=_district_plan(demo), township=demo.village_c.parent,
                         kind="assistants")
    return {"pk": filing.pk}


OUTSIDE_OBJECT_KWARGS = {
    # Township 2's row of the district's plan, and township 2's own plan of its villages.
    "ledgers:assessment_unit": lambda demo: {"pk": _district_plan(demo).pk, "unit": demo.village_c.parent_id},
    "ledgers:assessment_export": lambda demo: {"pk": _township2_plan(demo).pk},
    "ledgers:self_assessment": lambda demo: {"plan": _district_plan(demo).pk, "township": demo.village_c.parent_id},
    "ledgers:roster_download": _roster_filing,
    "ledgers:inspection_detail": lambda demo: {"pk": _inspection(demo).pk},
    "ledgers:correction_done": lambda demo: {"pk": _inspection(demo).corrections.get().pk},
    "ledgers:assistant_detail": lambda demo: {"pk": demo.caseworker_c.pk},
    "ledgers:job": _export,
    "ledgers:job_download": _export,
    "ledgers:job_cancel": _export,
    "ledgers:snapshot_download": _snapshot,
    "ledgers:sampling_detail": lambda demo: {"pk": _draw(demo).pk},
    "ledgers:sample_check": _item,
}
NOT_JURISDICTIONAL: dict = {}
