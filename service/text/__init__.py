"""Text primitives every stage reads with: the one speech reader (structure), figures,
normalisation, segmentation, token counting, scrubbing and overlap with examples."""
