"""Mental rotation."""
