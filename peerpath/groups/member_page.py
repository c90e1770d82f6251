"""What the groups app adds to the member page: timeline providers and panels."""
