"""visit_log and the alert services: the three don'ts, bad input refused whole, idempotency."""
import datetime as dt
import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from alerts.models import Alert, AlertKind, AlertStatus
from alerts.services import alert_open
from visits.models import Visit, VisitPhoto
from visits.services import visit_log

from .factories import make_roster, visit_data

pytestmark = pytest.mark.django_db
D = dt.date


def jpeg(name="photo.jpg", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def test_seen_and_clear_visit_completes_the_period_and_closes_the_case(demo):
    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    visit, created = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)))
    assert created and visit.completes_period and not visit.case_open
    assert visit.open_reasons() == []
    assert list(visit.visitors.all()) == [demo.caseworker_a]


def test_person_not_seen_does_not_complete_and_schedules_a_follow_up(demo):
    """走访到户不见人不放过."""
    household = make_roster(demo.village_a)
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
        D(2024, 3, 5), person_seen=False, not_seen_reason="家中无人，邻居称住院", situation_clear=False))
    assert not visit.completes_period and visit.case_open
    assert visit.next_follow_up_on == D(2024, 3, 12)
    assert "走访未见到本人，需再次走访" in visit.open_reasons()


def test_not_seen_needs_a_reason_and_cannot_be_clear(demo):
    household = make_roster(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household,
                  data=visit_data(D(2024, 3, 5), person_seen=False, situation_clear=True))
    assert "未见到本人时，请说明原因。" in exc.value.message_dict["not_seen_reason"]
    assert any("走访到户不见人不放过" in m for m in exc.value.message_dict["situation_clear"])
    assert not Visit.objects.exists()


def test_situation_clear_needs_every_structured_check(demo):
    """困难人员情况不调查清楚不放过."""
    household = make_roster(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household,
                  data=visit_data(D(2024, 3, 5), medical="", schooling=""))
    message = exc.value.message_dict["situation_clear"][0]
    assert "就医及用药" in message and "子女就学" in message
    visit, _ = visit_log(actor=demo.caseworker_a, household=household,
                         data=visit_data(D(2024, 3, 5), medical="", schooling="", situation_clear=False))
    assert visit.completes_period and visit.case_open
    assert visit.open_reasons() == ["困难情况尚未调查清楚"]


def test_need_without_a_measure_keeps_the_case_open(demo):
    """针对问题不提出对策建议不放过."""
    household = make_roster(demo.village_a)
    visit, _ = visit_log(actor=demo.caseworker_a, household=household,
                         data=visit_data(D(2024, 3, 5), needs=["medical"], needs_text="需长期服药，自付高"))
    assert visit.case_open and visit.open_reasons() == ["发现需求但尚未提出对策建议"]
    later, _ = visit_log(actor=demo.caseworker_a, household=household,
                         data=visit_data(D(2024, 3, 20), needs=["medical"], measures="协助申请医疗救助"))
    assert not later.case_open


@pytest.mark.parametrize("overrides,field,message", [
    ({"visited_on": dt.date.today() + dt.timedelta(days=2)}, "visited_on", "走访日期不能晚于今天。"),
    ({"visited_on": D(2019, 12, 31)}, "visited_on", "走访日期不能早于该家庭的登记日期（2020-01-01）。"),
    ({"next_follow_up_on": D(2024, 3, 1)}, "next_follow_up_on", "下次跟进日期不能早于走访日期。"),
    ({"needs": ["gold"]}, "needs", "无法识别的需求类别：gold。"),
    ({"ability": "needs_help", "willingness": "wants"}, "help_offered", "本人愿意申请但需要协助时，请填写如何协助申请。"),
])
def test_bad_visits_are_refused_with_a_clear_message_and_nothing_saved(demo, overrides, field, message):
    household = make_roster(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(**{"visited_on": D(2024, 3, 5), **overrides}),
                  photos=[jpeg()])
    assert message in exc.value.message_dict[field]
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def test_household_outside_the_caseworkers_villages_is_refused(demo):
    household = make_roster(demo.village_c)
    with pytest.raises(ValidationError, match="不在您负责的村/社区"):
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)))
    assert not Visit.objects.exists()


def test_visitors_must_work_in_the_village_or_township(demo):
    household = make_roster(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                  visitors=[demo.caseworker_a, demo.caseworker_c])
    assert "不在本村/社区或本乡镇工作" in exc.value.message_dict["visitors"][0]
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                         visitors=[demo.caseworker_a, demo.township1])
    assert set(visit.visitors.all()) == {demo.caseworker_a, demo.township1}


def test_photos_oversized_or_not_images_are_refused(demo, settings):
    household = make_roster(demo.village_a)
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)), photos=[fake])
    assert "不是有效的图片文件" in exc.value.message_dict["photos"][0]
    big = jpeg()
    big.size = 9 * 1024 * 1024
    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)), photos=[big])
    assert "超过 8 MB 的上限" in exc.value.message_dict["photos"][0]
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(ValidationError, match="格式为 GIF"):
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                  photos=[SimpleUploadedFile("a.gif", gif.getvalue())])
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def test_photo_is_stored_privately_with_a_random_name(demo, settings):
    household = make_roster(demo.village_a)
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                         photos=[jpeg("王桂兰家.jpg")])
    photo = visit.photos.get()
    assert photo.content_type == "image/jpeg" and photo.size > 0
    assert "王桂兰" not in photo.file.name and photo.file.name.startswith("visits/")
    assert (settings.MEDIA_ROOT / photo.file.name).exists()


def test_double_submit_with_the_same_key_creates_one_visit(demo):
    household = make_roster(demo.village_a)
    key = uuid.uuid4()
    first, created = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                               idempotency_key=key)
    again, created_again = visit_log(actor=demo.caseworker_a, household=household,
                                     data=visit_data(D(2024, 3, 5)), idempotency_key=str(key))
    assert created and not created_again and first.pk == again.pk
    assert Visit.objects.count() == 1


def test_completing_visit_closes_the_overdue_alert_but_a_not_seen_visit_does_not(demo):
    household = make_roster(demo.village_a)
    alert, _ = alert_open(kind=AlertKind.OVERDUE_VISIT, household=household, reason="逾期",
                          dedupe_key=f"overdue:{household.pk}:2024-01-01")
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
        D(2024, 3, 5), person_seen=False, not_seen_reason="外出务工", situation_clear=False))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 12)))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.closed_by == demo.caseworker_a
    assert "2024-03-12" in alert.close_note
    assert Alert.objects.filter(status=AlertStatus.OPEN).count() == 0


def test_an_untouched_visit_form_is_refused_and_closes_nothing(demo):
    import datetime as _dt

    from alerts.models import Alert, AlertKind
    from alerts.services import alert_open
    from django.core.exceptions import ValidationError
    from visits.models import Visit
    from visits.services import visit_log
    from tests.visits.factories import make_roster

    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    alert, _ = alert_open(kind=AlertKind.OVERDUE_VISIT, household=household, reason="逾期未走访", dedupe_key="t:o")
    today = _dt.date.today()
    with pytest.raises(ValidationError) as refused:
        visit_log(actor=demo.caseworker_a, household=household,
                  data={"visited_on": today, "method": "home", "person_seen": True})
    assert "这次走访还没有记录任何情况" in str(refused.value)
    assert not Visit.objects.filter(household=household).exists()
    assert Alert.objects.get(pk=alert.pk).status == "open"
    # One thing learnt is a visit.
    visit, created = visit_log(actor=demo.caseworker_a, household=household,
                               data={"visited_on": today, "method": "home", "person_seen": True, "food": "normal"})
    assert created and visit.completes_period
