"""The evaluation harness (an optional extra: pip install 'consistency[eval]'):
gold questions and claims, RAMDocs, the llama-index baseline, the reports.

May import: checker.py and everything below it; shells/render.py for
progress bars. The product never imports it.
"""
