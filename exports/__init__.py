"""Everything derived from the database for the outside world: printed leaflets, ORUK JSON and CSV.

Modules here read models and taxonomies but never import a view, a blueprint or a template helper
(design §3): the web application calls into ``exports``, never the other way round.
"""
