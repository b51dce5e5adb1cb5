"""The review web app: humans decide on drafted replies; decisions become feedback."""
