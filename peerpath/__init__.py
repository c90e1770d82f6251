"""Peerpath: records and outcomes for dual-track vocational-recovery programmes."""

__version__ = "0.1.0"
