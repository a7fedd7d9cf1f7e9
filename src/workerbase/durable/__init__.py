"""Durable Object logic as plain classes over the DurableStorage port."""
