"""Coverage of a story: quotes, reused passages, exclusive content, cited summary."""
