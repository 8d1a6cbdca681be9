"""The demo: the bundled sample corpus, the fixture news site and the guided run."""
