"""Deciding from evidence: sentence scoring, readers, conflicts between
claims, the check of a claim, the corpus-wide audit, verified citations and
the code-written explanations. `interface.py` holds the stages' Protocols
and the data that flows between them.

May import: errors, models, config, text/, index/, extract/, llm/.
"""
