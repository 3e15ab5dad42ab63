"""Text as the rest of the pipeline sees it: sentences with character spans,
dates, numbers as values, search terms.

Everything here is pure functions over strings, with no knowledge of the
store, the models or any corpus. It may import nothing from the package but
`errors`; every other subpackage may import it.
"""
