"""Content: what an article body may hold, cleaned on the way in (sanitiser, Word paste, limits, images)."""
