"""CSV import and export of hypotheses and of each evidence source.

Imports are validated row by row with the REST API's own serializers and the models' rules,
before anything is written; a file with any bad row imports nothing.
"""
