"""Files -> sources and passages: find, read, decode, strip markup and
boilerplate, split multi-article pages, chunk; `pipeline.py` runs the whole
ingest (extract claims, embed, write) for every caller.

May import: errors, models, config, text/, and (pipeline.py only) index/ and
extract/ interfaces. Nothing imports ingest/ but checker.py.
"""
