"""The search vocabulary an administrator edits: synonym groups, crisis phrases, place names and filler
phrases (the lists themselves are read and compiled by ``search.vocabulary``)."""
