"""What the employment app adds to the member page: timeline providers and panels."""
