"""Talking to a model: backends (local llama.cpp, OpenAI, compatible
servers) behind one `chat()`, the default model's files, prompts from
prompts/, and the answer writer with the validator that checks what it
wrote.

May import: errors, models, config, text/.
"""
