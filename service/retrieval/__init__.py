"""Finding example speeches for a brief: the BM25 index, its saved form, examples as shown."""
