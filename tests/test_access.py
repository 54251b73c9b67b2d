"""The access helper: which villages each role at each level may see and what it may do there."""
import pytest

from relief import access
from relief.access import Action
from relief.services import StaffError, staff_save

pytestmark = pytest.mark.django_db

ALL_ACTIONS = [v for k, v in vars(Action).items() if k.isupper()]

# role -> actions it must have on its own jurisdiction; every other action must be refused.
EXPECTED = {
    "caseworker_a": {Action.VIEW, Action.EDIT_HOUSEHOLDS, Action.VIEW_PERSONAL_DATA, Action.LOG_VISITS,
                     Action.SUBMIT_REFERRALS},
    "township1": {Action.VIEW, Action.EDIT_HOUSEHOLDS, Action.VIEW_PERSONAL_DATA, Action.LOG_VISITS,
                  Action.DECIDE_REFERRALS, Action.EXPORT_LEDGERS, Action.IMPORT_DATA},
    "district_official": {Action.VIEW, Action.DECIDE_REFERRALS, Action.EXPORT_LEDGERS, Action.SUPERVISE},
    "admin": {Action.VIEW, Action.EDIT_HOUSEHOLDS, Action.VIEW_PERSONAL_DATA, Action.EXPORT_LEDGERS,
              Action.IMPORT_DATA},
    # 三员分立: the security administrator keeps accounts and reads no household; the audit administrator
    # reads the audit log and nothing else.
    "security": {Action.MANAGE_ACCOUNTS},
    "auditor": {Action.READ_AUDIT},
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_role_action_matrix_in_own_village(demo, who, action):
    """Each role may do exactly its actions in village A, which every one of these users covers."""
    user = getattr(demo, who)
    assert access.can(user, action, demo.village_a) is (action in EXPECTED[who])


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_no_one_acts_outside_their_jurisdiction(demo, action):
    """Village C lies in township 2: caseworker A and township 1 can do nothing there."""
    assert not access.can(demo.caseworker_a, action, demo.village_c)
    assert not access.can(demo.township1, action, demo.village_c)
    assert not access.can(demo.caseworker_a, action, demo.village_b)


def test_visible_villages_per_level(demo):
    all_villages = {v.pk for v in demo.villages}
    township1_villages = {v.pk for v in demo.villages if v.parent_id == demo.townships[0].pk}
    assert access.village_ids_for(demo.caseworker_a) == {demo.village_a.pk}
    assert access.village_ids_for(demo.township1) == township1_villages
    assert len(township1_villages) == 4
    assert access.village_ids_for(demo.district_official) == all_villages
    assert access.village_ids_for(demo.admin) == all_villages


def test_caseworker_sees_no_villages_for_actions_it_lacks(demo):
    assert access.village_ids_for(demo.caseworker_a, Action.EXPORT_LEDGERS) == frozenset()
    assert access.village_ids_for(demo.district_official, Action.EDIT_HOUSEHOLDS) == frozenset()


def test_township_grant_covers_its_villages_and_groups(demo):
    group = demo.village_a.children.first()
    assert access.can(demo.township1, Action.VIEW, group)
    assert access.can(demo.township1, Action.VIEW, demo.townships[0])
    assert not access.can(demo.township1, Action.VIEW, demo.district)
    assert not access.can(demo.township1, Action.VIEW, demo.townships[1])


def test_moving_a_caseworker_moves_their_access(demo):
    user = demo.caseworker_a
    user.jurisdiction = demo.village_c
    staff_save(actor=demo.admin, user=user)
    assert access.village_ids_for(user) == {demo.village_c.pk}
    assert not access.can(user, Action.VIEW, demo.village_a)


def test_role_must_match_jurisdiction_level(demo):
    with pytest.raises(StaffError):
        user = demo.caseworker_a
        user.jurisdiction = demo.townships[0]
        staff_save(actor=demo.admin, user=user)


def test_global_permission_does_not_widen_scope(demo):
    """A model-level permission (given in the admin) never lets a user see every village."""
    from django.contrib.auth.models import Permission

    user = demo.caseworker_a
    user.user_permissions.add(Permission.objects.get(codename="view_jurisdiction"))
    assert access.village_ids_for(user) == {demo.village_a.pk}


def test_inactive_user_sees_nothing(demo):
    user = demo.caseworker_a
    user.is_active = False
    assert access.village_ids_for(user) == frozenset()


def test_scope_filters_records_by_village(demo):
    from relief.models import Jurisdiction

    qs = access.scope(Jurisdiction.objects.filter(level="group"), demo.caseworker_a, field="parent")
    assert set(qs.values_list("parent", flat=True)) == {demo.village_a.pk}


def test_access_is_computed_once_per_request(demo, django_assert_max_num_queries):
    user = demo.township1
    access.village_ids_for(user)
    access.can(user, Action.VIEW, demo.village_a)
    with django_assert_max_num_queries(0):
        for _ in range(5):
            access.village_ids_for(user)
            access.can(user, Action.VIEW, demo.village_a)
