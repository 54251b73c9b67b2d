"""How ledgers hears of work done in the apps below it."""
from relief import data_version


def visit_counted(sender, visit, **kwargs):
    """A visit changes the dashboard's visits on time (and closes overdue alerts): numbers kept from before
    it are not read once it commits (ledgers.counts)."""
    data_version.records_changed()
