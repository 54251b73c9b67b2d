"""Writes to the household registry — every change goes through here.

Other apps call these functions; their signatures are a contract. All are keyword-only, take the
acting user as `actor` (None for system jobs), run in one transaction, validate before writing
(a django ValidationError whose messages are in Chinese, keyed by form field where there is one,
and nothing is saved), and record what changed as HouseholdEvent rows (alerts read them).

    event_record(*, household, kind, source=EventSource.EDIT, actor=None, member=None, field="",
                 old_value="", new_value="", data=None, source_ref="", occurred_at=None) -> HouseholdEvent

    household_create(*, actor, village, residence_address, head=None, source=EDIT, **fields) -> Household
        `fields`: any editable Household field (HOUSEHOLD_FIELDS); `head`: dict of member_add
        arguments for the head of household, added in the same transaction. What is not given is
        unrecorded (未登记): hukou_type and housing "", per_capita_income None — never a guess.
    household_update(*, actor, household, version, source=EDIT, source_ref="", **fields) -> Household
        `version` is the Household.version the editor read; a stale one raises ValidationError
        (code "stale") and writes nothing. One event per changed field (households/events.py).

    member_add(*, actor, household, name, id_number, relation=Relation.OTHER, birth_date=None,
               sex=None, source=EDIT, source_ref="", **fields) -> Member
        Birth date and sex are read from the ID number; when given they must agree with it.
        An ID number registered anywhere else is refused (code "id_taken") with no more than that it is
        registered, and the attempt goes to the audit log (AuditEvent.ID_NUMBER_TAKEN), also from
        member_update and household_create.
    member_update(*, actor, member, source=EDIT, source_ref="", **fields) -> Member
        One event per changed field (health, disability, employment by kind; ID numbers masked).
    member_status_change(*, actor, member, status, on_date=None, note="", source=EDIT, source_ref="") -> Member
        MemberStatus.DECEASED / MOVED_AWAY (or PRESENT to correct a mistake).

    assistance_add(*, actor, household, type, start_date, monthly_amount=0, member=None, end_date=None,
                   note="", source=EDIT, source_ref="") -> AssistanceRecord
    assistance_end(*, actor, record, end_date, note="", source=EDIT, source_ref="") -> AssistanceRecord
        Both also write CATEGORY_CHANGED when the household's current categories change.

    roster_enter(*, actor, household, reasons, target_kind, cadence=None, caseworker=None, note="",
                 entered_on=None, source=EDIT, source_ref="") -> RosterEntry
        `reasons`: FocusReason values. Cadence defaults to monthly, quarterly when the only reason
        is refused_or_exited (seed 003: refused or exited families are checked every quarter). A
        cadence the roster does not allow (models.roster_cadence_error) is refused at "cadence".
    roster_change(*, actor, entry, reason="", version=None, source=EDIT, source_ref="",
                  **changes) -> RosterEntry
        `changes`: reasons, target_kind, cadence, caseworker, note.
    roster_exit(*, actor, entry, reason, exited_on=None, source=EDIT, source_ref="") -> RosterEntry

    observation_add(*, actor, household, reason_not_eligible, difficulty="", member=None,
                    cadence=Cadence.QUARTERLY, decided_on=None, next_review_on=None,
                    source=EDIT, source_ref="") -> ObservationEntry
    observation_review(*, actor, entry, next_review_on, note="", reviewed_on=None, cadence=None, source=EDIT,
                       source_ref="") -> ObservationEntry
        A review (复核): findings, the review date (today by default), the next review date (after today),
        optionally a new cadence. Event: OTHER with field "observation_review" (data: note, dates).
    observation_remove(*, actor, entry, reason, removed_on=None, source=EDIT, source_ref="") -> ObservationEntry

    quarterly_check_place(*, actor, household, reason, detail="", source_ref="", entered_on=None,
                          source=EDIT) -> QuarterlyCheckEntry | None
        Seed 003 §二(二)2: a refused application (referrals calls it) or an exit from 低保/特困/低收入
        (assistance_end calls it) puts the family on the quarterly check; None when it declined in writing.
    quarterly_check_record(*, actor, household, checked_on, finding, circumstances_changed=False,
                           visit_id=None, source=EDIT) -> QuarterlyCheck         one per quarter
    quarterly_check_by_visit(*, actor, household, visit_id, visited_on, finding, circumstances_changed=False)
        -> QuarterlyCheck | None        a review visit (visits calls it) does the quarter's check
    written_refusal_record(*, actor, household, refused_on, note="") -> WrittenRefusal   takes it off, for good
    whole_household_check_record(*, actor, household, checked_on, outcome, reason) -> WholeHouseholdCheck
    (who is due: households/checks.py)

    dibao_standard_set(*, actor, district, monthly_amount, effective_from, area=UNIFIED, source="") -> DibaoStandard
    (reading the standard in force: households.selectors.dibao_standard_for)

    household_refresh_flags(household_ids=None, *, on=None) -> int
        Recompute the list's kept copies on Household (categories, roster_kind, roster_reasons,
        observation_review_on) for these households (all when None), set-based, inside the caller's
        transaction. Single saves and deletes of AssistanceRecord, RosterEntry (and its reasons) and
        ObservationEntry call it through model signals; code that writes those models with
        bulk_create / bulk_update / queryset.update() MUST call it with the households it touched.

The package holds common.py (field lists, checks, events, list flags), households.py, members.py,
assistance.py, lists.py (roster and observation list) and standards.py; callers import from
`households.services`. Many records at once: households.bulk.RegistryWriter, with the same rules.
"""
from .common import (
    HOUSEHOLD_FIELDS, MEMBER_EVENT_FIELDS, MEMBER_FIELDS, event_record, household_refresh_assistance_flags, household_refresh_flags, next_review_date,
)
from .households import household_create, household_update
from .members import member_add, member_status_change, member_update
from .assistance import assistance_add, assistance_end
from .lists import (
    default_cadence, observation_add, observation_remove, observation_review, roster_change, roster_enter, roster_exit,
)
from .standards import dibao_standard_set
from .checks import (
    quarterly_check_by_visit, quarterly_check_place, quarterly_check_record, whole_household_check_record,
    written_refusal_record,
)

__all__ = [
    "HOUSEHOLD_FIELDS", "MEMBER_EVENT_FIELDS", "MEMBER_FIELDS", "assistance_add", "assistance_end",
    "default_cadence", "dibao_standard_set", "event_record", "household_create",
    "household_refresh_assistance_flags", "household_refresh_flags", "household_update", "member_add",
    "member_status_change", "member_update", "next_review_date", "observation_add", "observation_remove",
    "observation_review", "quarterly_check_by_visit", "quarterly_check_place", "quarterly_check_record",
    "roster_change", "roster_enter", "roster_exit", "whole_household_check_record", "written_refusal_record",
]
