"""Running simulations: single runs, their tables and their files."""
