"""Versions: record captures as versions, diff them and classify the edits."""
