"""What visits tells the apps above it. They listen; visits imports none of them."""
from django.dispatch import Signal

# Sent with `visit=` inside the transaction that logged the visit (visits.services.visit_log), once per visit:
# a receiver that starts background work does so on commit, so a visit that rolls back starts nothing.
visit_logged = Signal()
