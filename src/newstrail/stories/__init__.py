"""Stories: group articles from many outlets into events (online clustering)."""
