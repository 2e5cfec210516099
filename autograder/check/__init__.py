"""Hidden checks, one module per assignment; each test function takes the student functions it grades."""
