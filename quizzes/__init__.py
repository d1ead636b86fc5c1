"""Question bank, practice, exam simulation, spaced review and item statistics."""
