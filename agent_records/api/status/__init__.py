"""Where the read views stand: ``projectionStatus``."""
