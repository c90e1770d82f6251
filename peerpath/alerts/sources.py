"""What the alert rules read from the other apps' records, through the functions
those apps provide. Each answers for any number of members in a fixed number of
queries, with no access check (``compute.py`` runs for the whole organisation):

- employment: jobs, job endings and the latest support contact per track
  (``employment_facts``);
- groups: each member's latest attendance records (``recent_attendance``);
- pathway: the latest helping contact each member received
  (``last_helping_received``) and who is isolated in the helping network
  (``isolated_member_ids``).
"""

from __future__ import annotations

from peerpath.employment.selectors import employment_facts
from peerpath.groups.selectors import recent_attendance
from peerpath.pathway.network import isolated_member_ids
from peerpath.pathway.selectors import last_helping_received

__all__ = ["employment_facts", "isolated_member_ids", "last_helping_received", "recent_attendance"]
