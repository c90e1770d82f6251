"""What the pathway app adds to the member page: timeline providers and panels."""
