"""Moral graph elicitation (placeholder init while building)."""
