"""The Whoosh search index: schema, building and updating it from the database, and the query
builders for each audience.

Everything that touches Whoosh lives in this package. Views call ``search.service.search``;
nothing here imports a view, a blueprint or a template helper.
"""
