"""Whole jobs that run the stages: watch, import, bulk import, the pipeline."""
