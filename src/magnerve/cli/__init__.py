"""magnerve's command-line interface (typer): a thin adapter over the core."""
