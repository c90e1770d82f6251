"""Registrations of the safety app with the apps below it (filled in as it grows)."""
