"""index/: clauses -> an index directory on disk.

An index directory holds generations; `CURRENT` names the one that serves:

    INDEX_DIR/
      CURRENT                      # the serving generation's name (switched atomically)
      LOCK                         # held (flock) by the one build at a time; holds its pid
      cache/embeddings.sqlite      # vectors by model id + sha256 of the embedded text
      generations/<id>/
        store.sqlite               # documents, clauses, passages, vector rows (SQLite)
        dense.faiss                # FAISS IndexIDMap2 over inner product
        lexical/                   # bm25s folder of plain JSON/.npy files (no pickle)
        manifest.json              # written last: model, versions, counts, checksums
        LEASE                      # shared-locked (flock) by every process serving it

Build with `index.build.build_index`, open with `index.generation.open_generation`.
Nothing heavy (faiss, torch) is imported here.
"""
