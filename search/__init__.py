"""The search core: a question in, ranked clauses with citations out (knowledge_base.py).

Between index/ (the files of a generation) and service/ (CLI, HTTP, HTML): retrieval through an
engine (engines/), fusion, query understanding, confidence, highlights, filters, results.
"""
