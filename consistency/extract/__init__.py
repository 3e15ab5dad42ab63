"""Reading text for facts: amounts as intervals (quantities.py), claims per
sentence (rules and LLM), and what a question asks for (question.py).
`interface.py` is the extraction stage's Protocol.

May import: errors, models, config, text/, llm/ (backends and prompts).
"""
