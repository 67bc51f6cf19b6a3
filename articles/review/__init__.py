"""Review: the history of an issue's content, tracked changes between versions, and the review desk (核稿)."""
