"""The Beam side of the chat analysis service."""
