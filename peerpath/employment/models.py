"""Models of the employment app."""
