"""Job sectors, the same choices as the employment app's (stories are tagged by sector)."""

from peerpath.employment.models import Sector

__all__ = ["Sector"]
