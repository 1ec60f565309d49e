"""Rollout plans: which unit gets its drive in which week, drawn at random so its effect can be measured."""
