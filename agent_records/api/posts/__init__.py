"""Posts: the ``Post`` type with its roster, its loader and queries."""
