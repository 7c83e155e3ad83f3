"""The processes that make a container (see sync.py for the diagram)."""
