"""What the alerts app adds to the member page: timeline providers and panels."""
