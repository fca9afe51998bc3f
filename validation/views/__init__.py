"""The web app's views, one small module per area; urls.py names them."""
