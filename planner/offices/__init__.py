"""Grassroots SI office areas (BHXH cơ sở): pages to view and edit them, and agents' carry-over."""
