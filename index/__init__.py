"""Reading, analysing and indexing German news articles."""
