"""The speech corpus: reading source files, cleaning, classifying, de-duplicating, storing."""
