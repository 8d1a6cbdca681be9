"""Text primitives every stage shares: sentences, encodings, URLs, the spaCy pipeline."""
