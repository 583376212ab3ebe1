"""Developer tools: the `make run` demo."""
