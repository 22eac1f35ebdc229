"""What people see: the CLI, and renderers of computed results. Nothing here computes a figure."""
