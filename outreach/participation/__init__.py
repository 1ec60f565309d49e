"""Participation: respondent counts, baselines, targets, uplift and the leadership dashboard."""
