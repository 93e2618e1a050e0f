"""Pages of the registry: persons (persons.py) and households with ISEE and consents (households.py)."""
