"""Serializers validate and shape; the views call the services with their validated data.

Inputs and outputs are separate classes, so that the schema says exactly what is accepted
and what always comes back."""
