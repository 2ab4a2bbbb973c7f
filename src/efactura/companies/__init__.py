"""Companies on the platform, who acts for them (memberships) and their API keys."""
