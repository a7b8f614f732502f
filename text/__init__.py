"""Text forms shared by ingest and search: the search form of a text (normalize.py: script, width,
brackets), its jieba tokens (tokens.py), and the lay-to-legal lexicon that widens a question's BM25
query (lexicon.py). Both sides import them from here, so a clause and a query are read alike."""
