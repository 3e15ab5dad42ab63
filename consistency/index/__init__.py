"""The store and retrieval: Chroma through llama-index (passages, sources,
claims), the MiniLM embeddings, the BM25 lexical index, hybrid retrieval.

May import: errors, models, config, text/.
"""
