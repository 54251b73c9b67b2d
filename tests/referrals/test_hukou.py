"""人户分离 (seed 004 §二(二)): the hukou place on the household, handling by the hukou township, and the
cooperation letters (协查函/转办函) to a hukou place outside the system."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, AlertKind, AlertStatus
from households import services as household_services
from referrals import services
from referrals.models import CooperationLetter, HukouHandover, Referral, ReferralStatus
from referrals.selectors import referrals_for
from referrals.services import ReferralConflict, ReferralError
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db

OUTSIDE = {"hukou_division_code": "500229221000", "hukou_division_name": "重庆市城口县河鱼乡"}


def today():
    return timezone.localdate()


def township(demo, code):
    return demo.by_code[code]


def _submitted_hukou_case(demo, **kwargs):
    """A family living in village C (江苏路街道, township 2) whose hukou is 华阳路街道 (township 1), submitted."""
    household = make_household(demo.village_c, hukou_township=demo.village_a.parent, residence_differs=True,
                               head_name="邱志")
    referral = services.referral_create(actor=demo.caseworker_c, household=household, summary="子女失业，收入低",
                                        requested="dibao", **kwargs)
    services.referral_study(actor=demo.caseworker_c, referral=referral, meeting_date=today(),
                            participants="社区两委", conclusion="同意报送")
    return services.referral_submit(actor=demo.caseworker_c, referral=referral)


def _outside_case(demo, village=None, actor=None):
    village = village or demo.village_a
    actor = actor or (demo.caseworker_a if village == demo.village_a else demo.caseworker_c)
    household = make_household(village, residence_differs=True, **OUTSIDE)
    return services.referral_create(actor=actor, household=household, summary="易地扶贫搬迁家庭，户主患病")


def _letter(demo, referral, actor=None, **kwargs):
    fields = {"kind": "inquiry", "sent_to": "重庆市城口县民政局", "content": "请协查该户在户籍地享受救助情况。",
              "sent_on": today() - dt.timedelta(days=20), "reply_due": today() - dt.timedelta(days=1), **kwargs}
    return services.letter_send(actor=actor or demo.township1, referral=referral, **fields)


# ---------------------------------------------------------------- the hukou place on the household
class TestHukouPlace:
    def test_a_township_of_the_system_or_a_division_outside(self, demo):
        inside = make_household(demo.village_c, hukou_township=demo.village_a.parent)
        assert inside.hukou_place_label.endswith("华阳路街道") and not inside.hukou_outside_system
        outside = make_household(demo.village_a, **OUTSIDE)
        assert outside.hukou_outside_system
        assert "重庆市城口县河鱼乡" in outside.hukou_place_label and "500229221000" in outside.hukou_place_label

    @pytest.mark.parametrize("fields, field, words", [
        ({"hukou_division_code": "5002292210", "hukou_division_name": "河鱼乡"}, "hukou_division_code", "6位、9位或12位"),
        ({"hukou_division_code": "50022922100A", "hukou_division_name": "河鱼乡"}, "hukou_division_code", "数字"),
        ({"hukou_division_name": "河鱼乡"}, "hukou_division_code", "请填写户籍地的区划代码"),
        ({"hukou_division_code": "500229221000"}, "hukou_division_name", "请填写户籍地区划名称"),
        # A code the system holds: choose the township instead.
        ({"hukou_division_code": "310105001000", "hukou_division_name": "华阳路"}, "hukou_division_code", "华阳路街道"),
    ])
    def test_bad_places_are_refused_in_chinese(self, demo, fields, field, words):
        household = make_household(demo.village_a)
        version = household.version
        with pytest.raises(ValidationError) as exc:
            household_services.household_update(actor=demo.caseworker_a, household=household,
                                                 version=household.version, **fields)
        assert field in exc.value.error_dict
        assert words in " ".join(exc.value.message_dict[field])
        household.refresh_from_db()
        assert household.hukou_division_code == "" and household.version == version

    def test_township_and_code_together_are_refused(self, demo):
        household = make_household(demo.village_a)
        with pytest.raises(ValidationError, match="只填一项"):
            household_services.household_update(actor=demo.caseworker_a, household=household,
                                                 version=household.version,
                                                 hukou_township=demo.village_c.parent, **OUTSIDE)

    def test_a_village_is_not_a_hukou_township(self, demo):
        household = make_household(demo.village_a)
        with pytest.raises(ValidationError, match="乡镇（街道）"):
            household_services.household_update(actor=demo.caseworker_a, household=household,
                                                 version=household.version, hukou_township=demo.village_c)

    def test_edited_on_the_form_and_shown_on_the_household_page(self, client, demo):
        household = make_household(demo.village_a)
        client.force_login(demo.caseworker_a)
        url = reverse("households:edit", kwargs={"pk": household.pk})
        page = client.get(url)
        assert "户籍地乡镇（街道）" in page.content.decode() and "户籍地区划代码" in page.content.decode()
        data = {"village": demo.village_a.pk, "residence_address": household.residence_address,
                "version": household.version, "medical_expense": "0", "education_expense": "0",
                "other_expense": "0", "hukou_township": demo.village_c.parent.pk, **OUTSIDE}
        page = client.post(url, data)
        assert page.status_code == 200 and "只填一项" in page.content.decode()
        data.pop("hukou_township")
        assert client.post(url, data).status_code == 302
        household.refresh_from_db()
        assert household.hukou_division_code == "500229221000"
        detail = client.get(reverse("households:detail", kwargs={"pk": household.pk})).content.decode()
        assert "重庆市城口县河鱼乡" in detail and "协查函" in detail


# ---------------------------------------------------------------- handling by the hukou township
class TestHandover:
    def test_submission_hands_handling_to_the_hukou_township(self, demo):
        referral = _submitted_hukou_case(demo)
        handover = HukouHandover.objects.get(referral=referral)
        assert handover.township == demo.village_a.parent and handover.residence_township == demo.village_c.parent
        # It is in township 1's queue (the list's default is what awaits acceptance), and still township 2's.
        assert referrals_for(demo.township1).filter(pk=referral.pk, status=ReferralStatus.SUBMITTED).exists()
        assert referrals_for(demo.township2).filter(pk=referral.pk).exists()

    def test_the_hukou_township_accepts_and_decides_the_residence_township_cannot(self, demo):
        referral = _submitted_hukou_case(demo)
        assert "accept" not in services.allowed_steps(demo.township2, referral)
        with pytest.raises(ReferralError, match="由户籍地乡镇（街道）受理办理"):
            services.referral_accept(actor=demo.township2, referral=referral, department="civil_affairs",
                                     deadline=today() + dt.timedelta(days=10))
        assert "accept" in services.allowed_steps(demo.township1, Referral.objects.get(pk=referral.pk))
        accepted = services.referral_accept(actor=demo.township1, referral=referral, department="civil_affairs",
                                            deadline=today() + dt.timedelta(days=10), version=referral.version)
        assert accepted.status == ReferralStatus.ASSIGNED
        decided = services.referral_decide_ineligible(actor=demo.township1, referral=accepted,
                                                      reason="家庭收入高于当地低保标准", version=accepted.version)
        assert decided.status == ReferralStatus.INELIGIBLE and decided.decided_by == demo.township1
        # Telling the family is the residence village's step (it visits them).
        services.referral_inform_family(actor=demo.caseworker_c, referral=decided)

    def test_double_submit_of_the_acceptance_is_refused(self, demo):
        referral = _submitted_hukou_case(demo)
        version = referral.version
        services.referral_accept(actor=demo.township1, referral=referral, department="civil_affairs",
                                 deadline=today() + dt.timedelta(days=10), version=version)
        with pytest.raises(ReferralConflict):
            services.referral_accept(actor=demo.township1, referral=referral, department="civil_affairs",
                                     deadline=today() + dt.timedelta(days=10), version=version)
        assert Referral.objects.get(pk=referral.pk).steps.filter(action="accept").count() == 1

    def test_no_handover_when_the_hukou_is_local_or_outside(self, demo):
        local = make_household(demo.village_c, hukou_township=demo.village_c.parent)
        referral = services.referral_create(actor=demo.caseworker_c, household=local, summary="困难",
                                            urgency="emergency")
        services.referral_submit(actor=demo.caseworker_c, referral=referral)
        outside = _outside_case(demo)
        services.referral_submit(actor=demo.caseworker_a, referral=services.referral_study(
            actor=demo.caseworker_a, referral=outside, meeting_date=today(), participants="居委会",
            conclusion="同意"))
        assert not HukouHandover.objects.exists()

    def test_a_lead_the_residence_township_takes_in_goes_to_the_hukou_township(self, demo):
        household = make_household(demo.village_c, hukou_township=demo.village_a.parent)
        lead = services.lead_create(actor=demo.township2, channel="hotline", village=demo.village_c,
                                    household=household, description="来电反映困难")
        referral = services.lead_to_referral(actor=demo.township2, lead=lead, summary="来电反映困难")
        assert referral.status == ReferralStatus.SUBMITTED
        assert HukouHandover.objects.get(referral=referral).township == demo.village_a.parent


class TestJurisdiction:
    def test_the_hukou_township_sees_the_case_not_the_family(self, client, demo):
        referral = _submitted_hukou_case(demo)
        lead = services.lead_create(actor=demo.caseworker_c, channel="visit", village=demo.village_c,
                                    household=referral.household, description="走访发现")
        client.force_login(demo.township1)
        page = client.get(reverse("referrals:detail", kwargs={"pk": referral.pk}))
        assert page.status_code == 200
        html = page.content.decode()
        assert "由户籍地华阳路街道受理" in html and 'data-testid="step-accept"' in html
        household_url = reverse("households:detail", kwargs={"pk": referral.household_id})
        assert household_url not in html  # no link to a page that is not theirs
        assert client.get(household_url).status_code == 404
        assert client.get(reverse("referrals:lead_detail", kwargs={"pk": lead.pk})).status_code == 404
        assert client.get(reverse("referrals:create", kwargs={"household_pk": referral.household_id})).status_code == 404
        # The queue lists it, and the home card counts it as the list does.
        queue = client.get(reverse("referrals:list")).content.decode()
        assert f"转办{referral.pk}<" in queue and "户籍地华阳路街道办理" in queue

    def test_the_residence_township_keeps_the_family_and_sees_the_outcome(self, client, demo):
        referral = _submitted_hukou_case(demo)
        referral = services.referral_accept(actor=demo.township1, referral=referral, department="civil_affairs",
                                            deadline=today() + dt.timedelta(days=10))
        services.referral_decide_ineligible(actor=demo.township1, referral=referral, reason="家庭收入高于低保标准")
        client.force_login(demo.township2)
        html = client.get(reverse("referrals:detail", kwargs={"pk": referral.pk})).content.decode()
        assert "不符合条件" in html and "家庭收入高于低保标准" in html and 'data-testid="step-' not in html
        assert client.get(reverse("households:detail", kwargs={"pk": referral.household_id})).status_code == 200

    def test_a_third_township_sees_neither(self, client, demo):
        referral = _submitted_hukou_case(demo)
        third = demo.users["township3"]
        assert not referrals_for(third).filter(pk=referral.pk).exists()
        client.force_login(third)
        assert client.get(reverse("referrals:detail", kwargs={"pk": referral.pk})).status_code == 404
        assert client.get(reverse("households:detail", kwargs={"pk": referral.household_id})).status_code == 404
        with pytest.raises(Http404):
            services.referral_accept(actor=third, referral=referral, department="civil_affairs",
                                     deadline=today() + dt.timedelta(days=10))

    def test_caseworkers_of_the_hukou_township_do_not_see_it(self, client, demo):
        referral = _submitted_hukou_case(demo)
        assert not referrals_for(demo.caseworker_a).filter(pk=referral.pk).exists()
        client.force_login(demo.caseworker_a)
        assert client.get(reverse("referrals:detail", kwargs={"pk": referral.pk})).status_code == 404

    def test_the_home_card_counts_the_hukou_case(self, demo):
        from referrals.home import cards

        _submitted_hukou_case(demo)
        card = next(c for c in cards(demo.township1) if c.title == "待受理转办")
        assert card.count == referrals_for(demo.township1).filter(status=ReferralStatus.SUBMITTED).count() == 1

    def test_a_late_acceptance_is_on_the_late_card_of_the_hukou_township_only(self, client, demo):
        """The residence township sees the case but does not take its steps: its 本级环节超时 leaves it out, as
        its list of what it handles does; the hukou township's card counts it and opens it."""
        from referrals.home import cards

        referral = _submitted_hukou_case(demo)
        Referral.objects.filter(pk=referral.pk).update(step_started_at=timezone.now() - dt.timedelta(days=30))
        for user, expected in ((demo.township1, [referral.pk]), (demo.township2, [])):
            card = next(c for c in cards(user) if c.title == "本级环节超时")
            client.force_login(user)
            rows = client.get(card.url).context["page"].object_list
            assert card.count == len(expected) and [r.pk for r in rows] == expected, user
        # 部门清单's 环节超时 counts its own villages: its total opens those rows, not the handed-over case too.
        import re

        client.force_login(demo.township1)
        body = client.get(reverse("referrals:departments")).content.decode()
        table = body.split('data-testid="late-township"')[0]
        total = re.findall(r'href="([^"]+)" data-testid="late-township"[^>]*>(\d+)</a>', body)[-1]
        listed = client.get(total[0].replace("&amp;", "&")).context["page"].paginator.count
        assert listed == int(total[1]) and table


# ---------------------------------------------------------------- cooperation letters
class TestLetters:
    def test_send_and_answer(self, demo):
        referral = _outside_case(demo)
        letter = _letter(demo, referral, reply_due=today() + dt.timedelta(days=20))
        assert letter.state == "awaiting" and letter.division_code == "500229221000"
        letter = services.letter_answer(actor=demo.township1, letter=letter, version=letter.version,
                                        answer="经核查情况属实", answered_on=today())
        assert letter.state == "answered" and letter.answered_by == demo.township1

    def test_the_same_letter_submitted_twice_is_one_letter(self, demo):
        referral = _outside_case(demo)
        first = _letter(demo, referral)
        assert _letter(demo, referral).pk == first.pk
        assert CooperationLetter.objects.count() == 1

    def test_an_answer_submitted_twice_is_refused(self, demo):
        letter = _letter(demo, _outside_case(demo))
        version = letter.version
        services.letter_answer(actor=demo.township1, letter=letter, version=version, answer="已核查",
                               answered_on=today())
        with pytest.raises(ReferralConflict):
            services.letter_answer(actor=demo.township1, letter=letter, version=version, answer="已核查",
                                   answered_on=today())
        with pytest.raises(ReferralError, match="不能重复登记"):
            services.letter_answer(actor=demo.township1, letter=letter, version=None, answer="再次",
                                   answered_on=today())

    @pytest.mark.parametrize("fields, words", [
        ({"kind": "fax"}, "请选择函件类型"),
        ({"sent_to": "  "}, "请填写发往单位"),
        ({"content": ""}, "请写明请协查或转办的事项"),
        ({"sent_on": None}, "请填写发函日期"),
        ({"sent_on": dt.date.today() + dt.timedelta(days=3)}, "不能晚于今天"),
        ({"reply_due": None}, "请填写回复期限"),
        ({"reply_due": dt.date(2000, 1, 1)}, "不能早于发函日期"),
        ({"reply_due": dt.date.today() + dt.timedelta(days=800)}, "超过一年"),
    ])
    def test_bad_letters_are_refused_in_chinese(self, demo, fields, words):
        referral = _outside_case(demo)
        with pytest.raises(ReferralError, match=words):
            _letter(demo, referral, **fields)
        assert not CooperationLetter.objects.exists()

    def test_bad_answers_are_refused(self, demo):
        letter = _letter(demo, _outside_case(demo))
        with pytest.raises(ReferralError, match="请填写回复内容"):
            services.letter_answer(actor=demo.township1, letter=letter, version=letter.version, answer=" ",
                                   answered_on=today())
        with pytest.raises(ReferralError, match="不能早于发函日期"):
            services.letter_answer(actor=demo.township1, letter=letter, version=letter.version, answer="已复",
                                   answered_on=letter.sent_on - dt.timedelta(days=1))

    def test_only_for_a_hukou_place_outside_the_system(self, demo):
        local = services.referral_create(actor=demo.caseworker_a, household=make_household(demo.village_a),
                                         summary="困难")
        with pytest.raises(ReferralError, match="未登记系统外的户籍地"):
            _letter(demo, local)
        inside = services.referral_create(
            actor=demo.caseworker_c, household=make_household(demo.village_c, hukou_township=demo.village_a.parent),
            summary="困难")
        with pytest.raises(ReferralError, match="户籍地在本系统内"):
            _letter(demo, inside, actor=demo.township2)

    def test_written_by_the_residence_township_only(self, demo):
        referral = _outside_case(demo)
        with pytest.raises(ReferralError, match="居住地的乡镇"):
            _letter(demo, referral, actor=demo.caseworker_a)
        with pytest.raises(Http404):
            _letter(demo, referral, actor=demo.township2)

    def test_overdue_opens_an_alert_the_answer_closes_it(self, demo):
        overdue = _letter(demo, _outside_case(demo))
        _letter(demo, _outside_case(demo, demo.village_b, demo.caseworker_b), reply_due=today())  # due today
        assert services.letters_overdue_scan() == {"opened": 1, "existing": 0}
        assert services.letters_overdue_scan() == {"opened": 0, "existing": 1}
        alert = Alert.objects.get(kind=AlertKind.LETTER_OVERDUE)
        assert alert.household_id == overdue.household_id and "回复期限" in alert.reason
        services.letter_answer(actor=demo.township1, letter=overdue, version=overdue.version, answer="已复函",
                               answered_on=today())
        alert.refresh_from_db()
        assert alert.status == AlertStatus.CLOSED

    def test_letter_pages(self, client, demo):
        referral = _outside_case(demo)
        client.force_login(demo.township1)
        detail = client.get(reverse("referrals:detail", kwargs={"pk": referral.pk})).content.decode()
        assert reverse("referrals:letter_create", kwargs={"referral_pk": referral.pk}) in detail
        new = reverse("referrals:letter_create", kwargs={"referral_pk": referral.pk})
        form = client.get(new).content.decode()
        assert "重庆市城口县河鱼乡民政部门" in form
        bad = client.post(new, {"kind": "inquiry", "sent_to": "城口县民政局", "content": "请协查",
                                "sent_on": today().isoformat(), "reply_due": (today() - dt.timedelta(days=1)).isoformat()})
        assert bad.status_code == 200 and "不能早于发函日期" in bad.content.decode()
        good = {"kind": "transfer", "sent_to": "城口县民政局", "content": "请受理",
                "sent_on": (today() - dt.timedelta(days=9)).isoformat(),
                "reply_due": (today() - dt.timedelta(days=2)).isoformat()}
        response = client.post(new, good)
        letter = CooperationLetter.objects.get()
        assert response.status_code == 302 and response["Location"] == letter.get_absolute_url()
        assert client.post(new, good).status_code == 302 and CooperationLetter.objects.count() == 1
        listing = client.get(reverse("referrals:letters") + "?state=overdue").content.decode()
        assert listing.count('data-testid="letter-row"') == 1 and "逾期未复" in listing
        page = client.post(letter.get_absolute_url(), {"version": letter.version, "answer": "同意受理",
                                                       "answered_on": today().isoformat()})
        assert page.status_code == 302
        assert "同意受理" in client.get(letter.get_absolute_url()).content.decode()
        assert client.get(reverse("referrals:letters") + "?state=overdue").content.decode().count(
            'data-testid="letter-row"') == 0

    def test_other_townships_do_not_see_the_letters(self, client, demo):
        letter = _letter(demo, _outside_case(demo))
        client.force_login(demo.township2)
        assert client.get(letter.get_absolute_url()).status_code == 404
        assert 'data-testid="letter-row"' not in client.get(reverse("referrals:letters")).content.decode()


# ---------------------------------------------------------------- the demo
def test_demo_shows_each_branch_and_is_idempotent(demo, monkeypatch):
    from io import StringIO

    from households import demo as households_demo
    from referrals import hukou_demo

    monkeypatch.setattr(households_demo, "DEMO_HOUSEHOLDS", 240)
    households_demo.load()
    out = StringIO()
    hukou_demo.load(stdout=out)
    assert "人户分离演示" in out.getvalue()
    handed = Referral.objects.filter(hukou_handover__township=demo.village_a.parent)
    assert set(handed.values_list("status", flat=True)) == {ReferralStatus.SUBMITTED, ReferralStatus.ELIGIBLE}
    assert set(handed.values_list("village__parent", flat=True)) == {demo.village_c.parent_id}
    # One waits within its acceptance limit, one is past it (its alert, once the scan runs, is township1's).
    late, waiting = handed.filter(status=ReferralStatus.SUBMITTED).order_by("submitted_at")
    for case in (waiting, late):
        assert "accept" in services.allowed_steps(demo.township1, case)
        assert not services.allowed_steps(demo.township2, case)
    from referrals.tasks import step_alerts
    step_alerts()
    step = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref__in=[f"referral:{waiting.pk}",
                                                                          f"referral:{late.pk}"])
    assert step.source_ref == f"referral:{late.pk}" and step.township == demo.village_a.parent
    assert sorted(letter.state for letter in CooperationLetter.objects.all()) == ["answered", "awaiting", "overdue"]
    assert Alert.objects.filter(kind=AlertKind.LETTER_OVERDUE, status=AlertStatus.OPEN).count() == 1
    hukou_demo.load()
    assert CooperationLetter.objects.count() == 3 and HukouHandover.objects.count() == 3


def test_the_residence_townships_queue_leaves_out_what_the_hukou_township_handles(client, demo):
    """待受理转办 of the residence township counts only what it accepts itself; the handed-over case shows no
    checkbox, and a step it may not take says who takes it."""
    household = make_household(demo.village_c, hukou_township=demo.village_a.parent)
    handed = services.referral_create(actor=demo.caseworker_c, household=household, summary="户籍在外乡镇的家庭")
    services.referral_study(actor=demo.caseworker_c, referral=handed, meeting_date=timezone.localdate(),
                            participants="两委", conclusion="同意")
    handed = services.referral_submit(actor=demo.caseworker_c, referral=handed)
    own = services.referral_create(actor=demo.caseworker_c, household=make_household(demo.village_c), summary="本地")
    services.referral_study(actor=demo.caseworker_c, referral=own, meeting_date=timezone.localdate(),
                            participants="两委", conclusion="同意")
    services.referral_submit(actor=demo.caseworker_c, referral=own)
    from referrals.home import cards

    client.force_login(demo.township2)
    card = next(c for c in cards(demo.township2) if c.title == "待受理转办")
    assert card.count == 1
    body = client.get(card.url).content.decode()
    # The checkbox itself: a bare value="N" also matches a village option whose pk happens to be N.
    assert body.count('name="ids"') == 1 and f'name="ids" value="{own.pk}"' in body
    assert f'name="ids" value="{handed.pk}"' not in body
    with pytest.raises(ReferralError) as exc:
        services.referral_accept(actor=demo.township2, referral=handed, department="civil_affairs",
                                 deadline=timezone.localdate() + dt.timedelta(days=10))
    assert "户籍地" in exc.value.messages[0] and demo.village_a.parent.name in exc.value.messages[0]
    client.force_login(demo.township1)
    assert next(c for c in cards(demo.township1) if c.title == "待受理转办").count == 1


def test_a_letter_answered_in_another_tab_keeps_the_answer_and_shows_what_was_typed(client, demo):
    household = make_household(demo.village_c, hukou_division_code="500229221000",
                               hukou_division_name="重庆市城口县河鱼乡")
    referral = services.referral_create(actor=demo.caseworker_c, household=household, summary="人户分离")
    today = timezone.localdate()
    letter = services.letter_send(actor=demo.township2, referral=referral, kind="inquiry", sent_to="城口县民政局",
                                  content="请协查", sent_on=today, reply_due=today + dt.timedelta(days=30))
    client.force_login(demo.township2)
    url = reverse("referrals:letter_detail", args=[letter.pk])
    form = {"version": letter.version, "answer": "经查该户在户籍地无低保记录", "answered_on": today.isoformat()}
    assert client.post(url, form).status_code == 302
    second = client.post(url, {**form, "answer": "第二个标签页的回复"}, follow=True)
    body = second.content.decode()
    assert second.status_code == 200 and "您的回复未保存" in body and "第二个标签页的回复" in body
    letter.refresh_from_db()
    assert letter.answer == "经查该户在户籍地无低保记录"


# ---------------------------------------------------------------- alerts of what the hukou township holds
class TestAlertsOfTheHukouTownship:
    """环节超时, 转办超期 and 部门事项超期 of a case the hukou township handles lie with that township (alerts.models
    place_in): its staff see, count and handle them; the residence township and every caseworker do not."""

    def _visible(self, user, alert):
        from alerts.selectors import alerts_for
        return alerts_for(user, status="all").filter(pk=alert.pk).exists()

    def test_a_late_acceptance_alerts_the_hukou_township_only(self, client, demo):
        from alerts.selectors import alert_counts
        from referrals.tasks import step_alerts

        referral = _submitted_hukou_case(demo)
        before = {u: alert_counts(u)["open"] for u in (demo.township1, demo.township2)}
        assert step_alerts(now=timezone.now() + dt.timedelta(days=60))["opened"] >= 1
        alert = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"referral:{referral.pk}")
        assert alert.township == demo.village_a.parent and alert.caseworker is None
        assert self._visible(demo.township1, alert) and self._visible(demo.district_official, alert)
        for outsider in (demo.township2, demo.caseworker_c, demo.caseworker_a):
            assert not self._visible(outsider, alert), outsider
        # The badge counts as the list lists.
        assert alert_counts(demo.township1)["open"] == before[demo.township1] + 1
        assert alert_counts(demo.township2)["open"] == before[demo.township2]

        url = reverse("alerts:detail", kwargs={"pk": alert.pk})
        client.force_login(demo.township2)
        assert client.get(url).status_code == 404
        assert client.post(reverse("alerts:acknowledge", kwargs={"pk": alert.pk})).status_code == 404
        client.force_login(demo.township1)
        html = client.get(url).content.decode()
        # It leads to the case, not to the residence's household page, which is not theirs.
        assert reverse("referrals:detail", kwargs={"pk": referral.pk}) in html
        assert reverse("households:detail", kwargs={"pk": referral.household_id}) not in html
        assert reverse("visits:visit_new", kwargs={"household_pk": referral.household_id}) not in html
        assert "户籍地华阳路街道办理" in html
        inbox = client.get(reverse("alerts:list")).content.decode()
        assert url in inbox
        assert client.post(reverse("alerts:acknowledge", kwargs={"pk": alert.pk})).status_code == 302
        alert.refresh_from_db()
        assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == demo.township1

        # Accepting moves the step on: the alert closes.
        services.referral_accept(actor=demo.township1, referral=Referral.objects.get(pk=referral.pk),
                                 department="civil_affairs", deadline=today() + dt.timedelta(days=10))
        step_alerts(now=timezone.now() + dt.timedelta(hours=1))
        alert.refresh_from_db()
        assert alert.status == AlertStatus.CLOSED

    def test_the_department_deadline_alerts_the_hukou_township(self, demo):
        from referrals.tasks import deadline_alerts

        referral = _submitted_hukou_case(demo)
        services.referral_accept(actor=demo.township1, referral=referral, department="civil_affairs",
                                 deadline=today() + dt.timedelta(days=2))
        Referral.objects.filter(pk=referral.pk).update(deadline=today() - dt.timedelta(days=1))  # time passes
        deadline_alerts()
        alert = Alert.objects.get(kind=AlertKind.REFERRAL_OVERDUE, source_ref=f"referral:{referral.pk}")
        assert alert.township == demo.village_a.parent and alert.caseworker is None
        assert self._visible(demo.township1, alert) and not self._visible(demo.township2, alert)

    def test_telling_the_family_stays_with_the_residence_village(self, demo):
        from referrals.tasks import step_alerts

        referral = _submitted_hukou_case(demo)
        referral = services.referral_accept(actor=demo.township1, referral=referral, department="civil_affairs",
                                            deadline=today() + dt.timedelta(days=10))
        services.referral_decide_ineligible(actor=demo.township1, referral=referral, reason="家庭收入高于低保标准")
        step_alerts(now=timezone.now() + dt.timedelta(days=60))
        alert = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"referral:{referral.pk}",
                                  status=AlertStatus.OPEN)
        assert alert.township is None
        assert self._visible(demo.township2, alert) and self._visible(demo.caseworker_c, alert)
        assert not self._visible(demo.township1, alert)

    def test_an_alert_of_a_local_case_stays_where_the_family_lives(self, demo):
        from referrals.tasks import step_alerts

        household = make_household(demo.village_c, head_name="本地户")
        referral = services.referral_create(actor=demo.caseworker_c, household=household, summary="困难",
                                            urgency="emergency")
        services.referral_submit(actor=demo.caseworker_c, referral=referral)
        step_alerts(now=timezone.now() + dt.timedelta(days=60))
        alert = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"referral:{referral.pk}")
        assert alert.township is None and self._visible(demo.township2, alert)
        assert not self._visible(demo.township1, alert)

    def test_alerts_open_before_the_upgrade_move_to_the_hukou_township(self, demo):
        import importlib

        from django.apps import apps
        from referrals.tasks import step_alerts

        referral = _submitted_hukou_case(demo)
        step_alerts(now=timezone.now() + dt.timedelta(days=60))
        alert = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"referral:{referral.pk}")
        Alert.objects.filter(pk=alert.pk).update(township=None, caseworker=demo.caseworker_c)  # as before
        migration = importlib.import_module("referrals.migrations.0012_hukou_alerts_to_hukou_township")
        migration.forwards(apps, None)
        alert.refresh_from_db()
        assert alert.township == demo.village_a.parent and alert.caseworker is None
