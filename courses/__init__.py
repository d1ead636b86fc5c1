"""Study modules and lessons, rendering, progress and search."""
