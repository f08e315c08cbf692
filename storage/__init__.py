"""Storage: the database, its typed models, migrations and the query functions the rest of the
project calls. The bottom layer: imports nothing else of the project."""
