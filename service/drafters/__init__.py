"""Drafters: what writes the outline and the body of each part. One protocol, two kinds."""
