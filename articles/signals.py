"""What issuing tells the rest of the project: apps that act on an issued issue listen here, so this app
imports none of them."""

from django.dispatch import Signal

# Sent inside the issuing transaction, right after the issue is saved as issued, with `issue` and `actor`.
# Receivers write what must exist together with the issued issue (receipts, a search index) in that
# same transaction, so an error undoes the issuing; anything that leaves the process (mail) they defer
# with transaction.on_commit.
issue_issued = Signal()

# Sent inside the transaction when an issue reaches a review step (on submission and after each approval
# that is not the last), with `issue` (its `current_step` names the step and its group) and `actor`.
issue_step_reached = Signal()

# Sent inside the transaction when an issue is returned to its drafters, with `issue`, `actor`, `comment`.
issue_returned = Signal()

# Sent by the admin after a workflow button succeeded (outside the transaction), with `issue`. Receivers return a
# message the user should read (e.g. the task queue did not take the issue's mail) or None.
issue_transition_notices = Signal()
