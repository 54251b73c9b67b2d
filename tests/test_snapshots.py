"""The demo district is replayed into each test from a recording (tests/snapshots.py): the replay must leave
the database exactly as loading it does, and must load for real whenever it could not."""
from django.db import transaction

from relief.demo import load_demo_district
from relief.models import Jurisdiction
from tests import snapshots


def _state_after(function):
    """Every row of every table after `function()`, which is then rolled back."""
    with transaction.atomic():
        function()
        state = snapshots._read_all()
        transaction.set_rollback(True)
    return state


def test_a_replay_leaves_exactly_the_rows_loading_leaves(db):
    loaded = _state_after(lambda: snapshots.replayed("test-replay", load_demo_district))
    replays = []
    replayed = _state_after(lambda: replays.append(snapshots.replayed("test-replay", load_demo_district)))
    assert replays == [True]
    assert replayed == loaded
    assert sum(len(rows) for rows in loaded.values()) > sum(len(rows) for rows in snapshots._read_all().values())


def test_a_database_in_another_state_loads_for_real(db):
    _state_after(lambda: snapshots.replayed("test-other-state", load_demo_district))
    calls = []

    def load():
        calls.append(1)
        load_demo_district()

    def after_a_row_of_our_own():
        Jurisdiction.objects.create(code="999999000000", name="别处", level="district")
        assert snapshots.replayed("test-other-state", load) is False

    _state_after(after_a_row_of_our_own)
    assert calls == [1]


def test_a_loader_that_changes_rows_it_found_is_never_replayed(db):
    Jurisdiction.objects.create(code="999999000000", name="别处", level="district")

    def renaming():
        Jurisdiction.objects.filter(code="999999000000").update(name="改名")

    assert _state_after(lambda: snapshots.replayed("test-renaming", renaming)) is not None
    replays = []
    _state_after(lambda: replays.append(snapshots.replayed("test-renaming", renaming)))
    assert replays == [False]
    assert "test-renaming" in snapshots._unreplayable


def test_a_replay_marks_the_figures_changed_as_the_load_does(db):
    from relief import data_version

    def changed():
        return {topic for topic in ("records", "access", "alerts") if data_version.changed_here(topic)}

    marked = []
    _state_after(lambda: (snapshots.replayed("test-topics", load_demo_district), marked.append(changed())))
    _state_after(lambda: (snapshots.replayed("test-topics", load_demo_district), marked.append(changed())))
    assert marked[0] and marked[1] == marked[0]
