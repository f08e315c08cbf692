"""Storage: the database, its typed models, migrations and the query functions the rest of the
project calls. Imports nothing else of the project (except `talentbrief.errors`)."""
